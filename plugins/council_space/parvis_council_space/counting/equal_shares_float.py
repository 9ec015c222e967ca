"""Equal shares runs in floating point, with a filter that certifies every decision.

MES with the add1 completion runs equal shares once per endowment: hundreds of runs on a real
election. In exact arithmetic each run is slow (denominators grow with every payment), so this
module computes a run in float64 with NumPy, voters with identical ballots sharing one wallet,
and carries along a bound on the rounding error of every amount. A decision (is a project still
affordable, which project costs its supporters least per unit of utility) is taken in floating
point only when its margin exceeds that bound; when a margin is too thin (an exact tie, say),
the run gives up and returns ``None``, and the caller redoes that endowment in exact
arithmetic. The winners are therefore always those of the exact rule.

Error bound: each wallet is within ``error[wallet]`` of its exact value. A price ``q`` solves
sum(w * min(money, q)) = cost; the errors of the capped wallets move ``q`` by at most their
weighted sum over the uncapped weight, and each sum of n terms adds at most n * eps times its
magnitude (times ``_SAFETY``, for the second-order terms left out). Paying ``q`` adds ``q``'s
bound to a wallet's error; a wallet certainly emptied is exactly 0 again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

_EPS = float(np.finfo(np.float64).eps)
_SAFETY = 16.0
_MAX_ROUNDS = 100  # each round caps more wallets; a handful is the rule


@dataclass(frozen=True, slots=True)
class _Price:
    pid: str
    rho: float  # what a supporter pays per unit of utility: q / cost
    rho_error: float  # bound on |rho - exact rho|
    exact: Fraction | None  # the exact rho, when known
    q: float  # the most a supporter pays
    q_error: float


class _TooClose(Exception):
    """A decision whose margin is within the rounding error: the exact count must decide."""


class FloatElection:
    """An approval election prepared once for many equal shares runs."""

    def __init__(
        self,
        cost: Mapping[str, int],
        order_key: Callable[[str], object],
        approvals: Sequence[frozenset[str]],
    ) -> None:
        groups = Counter(approvals)
        members: dict[str, list[int]] = {pid: [] for pid in cost}
        weights = []
        for group, (ballot, voters) in enumerate(groups.items()):
            weights.append(voters)
            for pid in ballot:
                members[pid].append(group)
        self.groups = len(weights)
        self.voters = len(approvals)
        self.cost = {pid: float(cost[pid]) for pid in cost if members[pid]}
        self.key = order_key
        all_weights = np.array(weights, dtype=np.float64)
        self.index = {pid: np.array(members[pid], dtype=np.intp) for pid in self.cost}
        self.weight = {pid: all_weights[self.index[pid]] for pid in self.cost}
        self.total_weight = {pid: float(self.weight[pid].sum()) for pid in self.cost}

    def winners(self, endowment: int) -> list[str] | None:
        """The winners of MES with every voter starting at ``endowment``, in selection order;
        None when some decision was too close to take in floating point."""
        try:
            return self._run(float(endowment))
        except _TooClose:
            return None

    def _run(self, endowment: float) -> list[str]:
        money = np.full(self.groups, endowment)
        error = np.zeros(self.groups)  # bound on |money - exact money| of each wallet
        # rho only grows as voters spend, so the last one computed (minus its error bound)
        # is a lower bound: projects whose bound is certainly worse than the best are skipped.
        floor = dict.fromkeys(self.cost, 0.0)
        candidates = list(self.cost)
        winners: list[str] = []
        while candidates:
            candidates.sort(key=lambda pid: (floor[pid], self.key(pid)))
            best: _Price | None = None
            for pid in tuple(candidates):
                if best is not None and floor[pid] > best.rho + best.rho_error:
                    break  # sorted by floor: every later candidate is worse too
                price = self._price(pid, money, error)
                if price is None:
                    candidates.remove(pid)  # money never grows back: unaffordable for good
                    continue
                floor[pid] = price.rho - price.rho_error
                if best is None or self._better(price, best):
                    best = price
            if best is None:
                break
            candidates.remove(best.pid)
            winners.append(best.pid)
            index = self.index[best.pid]
            wallets, wallet_error = money[index], error[index]
            money[index] = np.maximum(wallets - best.q, 0.0)
            # A wallet certainly below the price is emptied: exactly 0, whatever its error.
            emptied = wallets + wallet_error < best.q - best.q_error
            grown = wallet_error + best.q_error + _SAFETY * _EPS * endowment
            error[index] = np.where(emptied, 0.0, grown)
        return winners

    def _better(self, a: _Price, b: _Price) -> bool:
        """Whether ``a`` comes before ``b`` (lower rho, then the tie-break order)."""
        if a.exact is not None and b.exact is not None:
            return (a.exact, self.key(a.pid)) < (b.exact, self.key(b.pid))
        if a.rho + a.rho_error < b.rho - b.rho_error:
            return True
        if a.rho - a.rho_error > b.rho + b.rho_error:
            return False
        raise _TooClose

    def _price(self, pid: str, money: np.ndarray, error: np.ndarray) -> _Price | None:
        """What supporters pay per unit of utility for ``pid``, each paying min(money, q);
        None if they certainly cannot afford it."""
        cost, weight, total_weight = self.cost[pid], self.weight[pid], self.total_weight[pid]
        if cost == 0:
            return _Price(pid, 0.0, 0.0, Fraction(0), 0.0, 0.0)
        index = self.index[pid]
        wallets, wallet_error = money[index], error[index]
        total = float(wallets @ weight)
        total_error = float(wallet_error @ weight) + _SAFETY * len(wallets) * _EPS * total
        if total + total_error < cost:
            return None
        if total - total_error <= cost:
            raise _TooClose
        q = cost / total_weight
        capped = wallets < q
        count = int(np.count_nonzero(capped))
        capped_weight = capped_money = capped_error = 0.0
        for _ in range(_MAX_ROUNDS):
            if count == 0:
                break
            capped_weights = weight[capped]
            capped_weight = float(capped_weights.sum())
            uncapped_weight = total_weight - capped_weight
            if uncapped_weight <= 0:
                raise _TooClose
            capped_money = float(wallets[capped] @ capped_weights)
            capped_error = float(wallet_error[capped] @ capped_weights)
            q = (cost - capped_money) / uncapped_weight
            capped = wallets < q
            # q only grows from round to round, so the capped set only grows: same count,
            # same set.
            count, previous = int(np.count_nonzero(capped)), count
            if count == previous:
                break
        else:
            raise _TooClose  # never seen; rounding could in theory make the set oscillate
        uncapped_weight = total_weight - capped_weight
        # Capped wallets move q by (capped weight / uncapped weight) times their error; the
        # sums and the division add rounding. Wallets within ``band`` of q may be capped or not
        # in exact arithmetic: they move q by at most their weight times ``band`` over the
        # weight certainly left uncapped.
        rounding = _SAFETY * _EPS * (len(wallets) * (capped_money + cost) / uncapped_weight + q)
        q_error = capped_error / uncapped_weight + rounding
        band = float(wallet_error.max()) + 2 * q_error
        near_weight = float(weight[np.abs(wallets - q) <= band].sum())
        if 2 * near_weight >= uncapped_weight:
            raise _TooClose
        q_error += near_weight * band / (uncapped_weight - near_weight)
        # Nobody capped, for certain: everyone pays cost / supporters, so rho is exactly
        # 1 / supporters, which lets equal rhos be compared exactly and tie-broken.
        exact = Fraction(1, int(total_weight)) if capped_weight == near_weight == 0 else None
        rho = q / cost
        return _Price(pid, rho, q_error / cost + _SAFETY * _EPS * rho, exact, q, q_error)
