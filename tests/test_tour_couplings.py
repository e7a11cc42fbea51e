"""The tour's interaction-graph figure: recovered bonds on the lattice, scored in the
figure only where the tour passes the truth."""

import numpy as np

from physlens.data.spins import interaction_graph
from physlens.report.plots import to_svg
from physlens.tour.couplings import _layout, graph_figure


def test_graph_figure_draws_each_method_and_the_misses():
    adjacency = interaction_graph(16, "lattice")
    truth = np.where(adjacency, 0.5, 0.0)
    bonds = np.argwhere(np.triu(adjacency, k=1))
    spurious = np.array([[0, 10]])  # not a lattice neighbour: drawn as an arc, dashed
    figure = graph_figure([("all", bonds, truth), ("two missed", np.vstack([bonds[2:], spurious]), truth)], lattice=True, truth=truth)
    axes = figure.axes
    assert [a.get_title() for a in axes] == ["all: 32 bonds", "two missed: 31 bonds"]
    dashed = [line for line in axes[1].get_lines() if line.get_linestyle() == "--"]
    dotted = [line for line in axes[1].get_lines() if line.get_linestyle() == ":"]
    assert len(dashed) == 1 and len(dotted) >= 2  # a wrap-around miss is two stubs
    assert not [line for line in axes[0].get_lines() if line.get_linestyle() in ("--", ":")]
    assert to_svg(figure).startswith("<svg")


def test_lattice_layout_numbers_sites_row_major():
    position = _layout(9, lattice=True)
    assert position[1].tolist() == [1.0, 0.0] and position[3].tolist() == [0.0, -1.0]
