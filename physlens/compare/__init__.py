"""``physlens compare``: every applicable method on the same simulated datasets, each
answer scored against the dataset's ground truth, in one matrix.

``suite`` holds the datasets and the methods' settings, ``scoring`` one truth score per
interpretation kind, ``run`` the tasks (one per dataset x method pair) and the loop
that records them in the results store, ``export`` the HTML / Markdown / LaTeX / JSON
reports built from stored records.
"""

from physlens.compare.run import CompareTask, NotApplicable, plan, run_compare, run_task, stored_pairs
from physlens.compare.suite import SETTINGS, SUITE

__all__ = ["CompareTask", "NotApplicable", "SETTINGS", "SUITE", "plan", "run_compare", "run_task", "stored_pairs"]
