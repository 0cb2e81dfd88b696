"""Hasse diagram output: Graphviz DOT (always), SVG/PNG via matplotlib."""

from __future__ import annotations

from pathlib import Path

from ..errors import ArchitectureError
from ..symbolic.lattice import Lattice

__all__ = ["hasse_dot", "write_hasse"]


def hasse_dot(lat: Lattice) -> str:
    """The Hasse diagram in Graphviz DOT, top (whole space) first."""
    lines = ["digraph hasse {", "  rankdir=TB;", '  node [shape=box, fontsize=10];']
    for e in lat.elements:
        label = f"{e.id} (dim {e.dim})\\n{e.description}".replace('"', "'")
        lines.append(f'  "{e.id}" [label="{label}"];')
    for a, b in lat.graph.edges:
        lines.append(f'  "{a}" -> "{b}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_hasse(lat: Lattice, path: str) -> None:
    out = Path(path)
    if out.parent and not out.parent.exists():
        raise ArchitectureError(f"--hasse {path!r}: directory {str(out.parent)!r} does not exist")
    suffix = out.suffix.lower()
    if suffix in (".dot", ".gv"):
        out.write_text(hasse_dot(lat))
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    g = lat.graph
    # one row per dimension (covers can skip dimensions, so graph distance from the top
    # would put elements of different dimensions on one row)
    by_dim: dict[int, list[str]] = {}
    for v in g.nodes:
        by_dim.setdefault(g.nodes[v]["dim"], []).append(v)
    ranks = [sorted(by_dim[d], key=lambda v: int(v[1:])) for d in sorted(by_dim, reverse=True)]
    pos = {}
    for level, nodes in enumerate(ranks):
        for i, n in enumerate(nodes):
            pos[n] = ((i + 1) / (len(nodes) + 1), -level)
    n = len(lat.elements)
    fig, ax = plt.subplots(figsize=(min(6 + 0.35 * max(len(r) for r in ranks), 40), 1.6 * len(ranks) + 1))
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=False, alpha=0.35 if n < 200 else 0.1, width=0.8)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=300 if n < 200 else 20,
                           node_color=[g.nodes[v]["dim"] for v in g.nodes], cmap="viridis")
    if n <= 200:
        nx.draw_networkx_labels(g, pos, ax=ax, font_size=7, font_color="white")
    for level, nodes in enumerate(ranks):
        dim = g.nodes[nodes[0]]["dim"]
        ax.text(-0.02, -level, f"dim {dim}", ha="right", va="center", fontsize=8)
    ax.set_title(f"Hasse diagram of the SIM lattice ({n} elements)\n{lat.net.describe()}", fontsize=9)
    ax.set_xlim(-0.18, 1.02)
    ax.set_ylim(-len(ranks) + 0.5, 0.5)
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(out, format=suffix[1:], bbox_inches="tight")
    plt.close(fig)
