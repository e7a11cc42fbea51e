"""Human-readable output: HTML / Markdown / LaTeX rendering and figures."""

from physlens.report.section import Figure, Section

__all__ = ["Figure", "Section"]
