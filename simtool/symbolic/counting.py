r"""Exact counts of two-layer SIM lattices, for any width, without enumeration.

Elements (``a(m)``), by the group acting on the units:

* ``S_m`` only — Bell numbers, OEIS A000110, ``B(m) = Σ_k S(m, k)``;
* odd σ — Dowling numbers of ``Z_2``, OEIS A007405, ``Σ_k W(m, k)`` with the
  Whitney numbers ``W(n, k) = (1 + 2k) W(n−1, k) + W(n−1, k−1)``
  (Benoumhani, *Discrete Math.* 159 (1996) 13–33, Thm. 2);
* even σ — not a standard sequence: a unit block is either free (``2^{|B|-1}``
  sign patterns) or fixed, so the exponential generating function is
  ``exp((e^x − 1) + (e^{2x} − 1)/2)`` and
  ``a(m) = Σ_j C(m, j) B(j) A004211(m − j)`` with
  ``A004211(n) = Σ_k 2^{n−k} S(n, k)``.

Classes up to symmetry (orbits of ``G``): integer partitions ``p(m)`` (A000041),
``Σ_{k≤m} p(k)`` (A000070) for odd σ, ``Σ_j p(j) p(m−j)`` (A000712) for even σ.

All loops are ``O(m²)`` additions/small multiplications of Python integers, so
``m = 1000`` takes a fraction of a second.

>>> [count_elements("perm", m) for m in range(1, 6)]
[1, 2, 5, 15, 52]
>>> [count_elements("odd", m) for m in range(1, 6)]
[2, 6, 24, 116, 648]
>>> [count_classes("odd", m) for m in range(1, 6)]
[2, 4, 7, 12, 19]
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["count_elements", "count_classes", "partition_numbers", "integer_partitions"]


def _triangle_sums(n: int, weight: int, extra: int) -> list[int]:
    """Row sums of ``T(i, k) = (extra + weight·k) T(i−1, k) + T(i−1, k−1)``, i = 0..n."""
    row = [1]
    sums = [1]
    for i in range(1, n + 1):
        new = [0] * (i + 1)
        for k in range(i + 1):
            v = row[k - 1] if k >= 1 else 0
            if k < i:
                v += (extra + weight * k) * row[k]
            new[k] = v
        row = new
        sums.append(sum(row))
    return sums


@lru_cache(maxsize=8)
def _bell(n: int) -> tuple[int, ...]:
    return tuple(_triangle_sums(n, 1, 0))


def count_elements(kind: str, m: int) -> int:
    """Number of lattice elements (symmetry-induced SIMs) of a width-``m`` two-layer net."""
    if kind == "perm":
        return _bell(m)[m]
    if kind == "odd":
        return _triangle_sums(m, 2, 1)[m]
    if kind == "even":
        bell = _bell(m)
        signed = _triangle_sums(m, 2, 0)  # Σ_k 2^{n-k} S(n,k): A004211
        total, binom = 0, 1
        for j in range(m + 1):
            total += binom * bell[j] * signed[m - j]
            binom = binom * (m - j) // (j + 1)
        return total
    raise ValueError(f"unknown kind {kind!r}")


@lru_cache(maxsize=8)
def partition_numbers(n: int) -> tuple[int, ...]:
    """``p(0..n)`` by Euler's pentagonal-number recurrence (OEIS A000041)."""
    p = [1] + [0] * n
    for i in range(1, n + 1):
        k, total = 1, 0
        while True:
            g1 = k * (3 * k - 1) // 2
            if g1 > i:
                break
            sign = 1 if k % 2 else -1
            total += sign * p[i - g1]
            g2 = k * (3 * k + 1) // 2
            if g2 <= i:
                total += sign * p[i - g2]
            k += 1
        p[i] = total
    return tuple(p)


def count_classes(kind: str, m: int) -> int:
    """Number of lattice elements up to symmetry (orbits of the symmetry group)."""
    p = partition_numbers(m)
    if kind == "perm":
        return p[m]
    if kind == "odd":
        return sum(p)
    if kind == "even":
        return sum(p[j] * p[m - j] for j in range(m + 1))
    raise ValueError(f"unknown kind {kind!r}")


def integer_partitions(n: int, largest: int | None = None):
    """Partitions of ``n`` as non-increasing tuples, in reverse lexicographic order.

    >>> list(integer_partitions(4))
    [(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
    """
    largest = n if largest is None else largest
    if n == 0:
        yield ()
        return
    for first in range(min(n, largest), 0, -1):
        for rest in integer_partitions(n - first, first):
            yield (first,) + rest
