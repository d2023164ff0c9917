#!/usr/bin/env python3
"""How likely the pow scenarios are to fail by chance.

Mining is random (each miner's time to a block is exponential), so a pow
scenario's expectations hold with a probability. This script computes the
figures quoted in the scenario files' comments: exactly where the outcome
is a Poisson count, by a seeded Monte Carlo of the miner's strategy where
it is not. It models the strategies of node/src/consensus/pow/miner.rs with
instant propagation (a selfish race is won by the pool's block with
probability GAMMA); run it after changing a pow scenario's split length,
hashrate, block_ms or k.

    python3 docs/scenario-odds.py [runs]
"""

import math
import random
import sys

GAMMA = 0.5


def pmf(lam, i):
    return math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1))


def at_least(lam, n):
    """P(Poisson(lam) >= n)."""
    return 1.0 - sum(pmf(lam, i) for i in range(n))


def pow_partition(block_ms=200, minority=0.2, split_s=12, k=30):
    """pow-partition.toml: the minority must mine at least one block, fewer
    than the majority, and fewer than k (else a block of its own chain is
    k deep before the heal reorgs it away)."""
    rate = 1000 / block_ms
    lo, hi = rate * minority * split_s, rate * (1 - minority) * split_s
    nothing = math.exp(-lo)
    not_lighter = sum(pmf(hi, a) * at_least(lo, a) for a in range(int(hi * 4) + 50))
    k_deep = at_least(lo, k)
    print(f"pow-partition: minority mines nothing {nothing:.1e}, "
          f"as much as the majority {not_lighter:.1e}, k or more {k_deep:.1e}")


def partition_compare(block_ms=200, split_s=8, k=4):
    """partition-compare.toml on pow: the losing side must mine k blocks."""
    lam = 1000 / block_ms * 0.5 * split_s
    print(f"partition-compare (pow): losing side mines fewer than k = {k}: "
          f"{2 * (1 - at_least(lam, k)):.1e}")


def selfish_run(rng, alpha, rate, start, stop, end, k, by, within, height0):
    """One pow-selfish-mining run: Eyal and Sirer's Algorithm 1 between
    `start` and `stop`, then honest mining (leaving selfish publishes the
    branch). Returns (a k-deep block reverted, finality advanced by `by`
    within `within` of `stop`, any reorg)."""
    t, base, p, q, race = start, height0, 0, 0, False
    deepest, reorgs, advanced = 0, 0, False
    fin_at_stop, stopped = 0, False
    final = lambda: max(0, base + q - k + 1)
    while True:
        t += rng.expovariate(rate)
        if not stopped and t > stop:
            stopped = True
            if p > q:
                if q:
                    deepest, reorgs = max(deepest, q), reorgs + 1
                base += p
            else:
                base += q
            p = q = 0
            race = False
            fin_at_stop = final()
        if t > end:
            return deepest >= k, advanced, reorgs > 0
        if stopped:
            base += 1
            advanced |= final() - fin_at_stop >= by and t <= stop + within
            continue
        if rng.random() < alpha:  # the pool finds one
            if race:  # state 0': publish, the pool wins the race
                base, p, q, race = base + p + 1, 0, 0, False
                deepest, reorgs = max(deepest, 1), reorgs + 1
            else:
                p += 1
        elif race:  # honest miners settle the race
            if rng.random() < GAMMA:
                base, deepest, reorgs = base + p + 1, max(deepest, 1), reorgs + 1
            else:
                base += q + 1
            p = q = 0
            race = False
        elif p == 0:
            base += 1
        else:
            q += 1
            if p - q == 0:
                race = True
            elif p - q == 1:  # lead 2 became 1: publish all, honest blocks reorged
                deepest, reorgs = max(deepest, q), reorgs + 1
                base, p, q = base + p, 0, 0


def pow_selfish(runs, rng):
    r = [selfish_run(rng, 0.4, 1000 / 300, 2, 14, 22, 28, 5, 8, 6) for _ in range(runs)]
    print(f"pow-selfish-mining ({runs} runs): k-deep revert {sum(x[0] for x in r) / runs:.1e}, "
          f"finality slow {sum(not x[1] for x in r) / runs:.1e}, no reorg {sum(not x[2] for x in r) / runs:.1e}")


def withhold_run(rng, alpha, rate, start, stop, lead, k):
    """One pow-51-percent run: does `withhold` release at least once?"""
    t, p, q = start, 0, 0
    while True:
        t += rng.expovariate(rate)
        if t > stop:
            return False
        if rng.random() < alpha:
            p += 1
        else:
            q += 1
        if p - q >= lead and q >= k:
            return True
        if q - p > k:  # hopeless: rejoin the public chain
            p = q = 0


def pow_51(runs, rng):
    misses = sum(not withhold_run(rng, 0.7, 5, 3, 15, 2, 3) for _ in range(runs))
    print(f"pow-51-percent ({runs} runs): no release during the attack {misses / runs:.1e}")


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rng = random.Random(7)
    pow_partition()
    partition_compare()
    pow_selfish(runs, rng)
    pow_51(runs, rng)
