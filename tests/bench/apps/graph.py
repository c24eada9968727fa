# The Python program of tests/bench/vm-corpus.sh: a random graph of N
# nodes as lists of neighbours, breadth-first searches from a few roots
# (pointer chasing over the whole heap), then a dict of strings built and
# sorted. Only builtins: the guest has no standard library but encodings.
import sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
seed = 12345
def rnd():
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed
adj = [[rnd() % n for _ in range(4)] for _ in range(n)]
total = 0
for root in (0, n // 3, n // 2):
    seen = bytearray(n)
    seen[root] = 1
    q = [root]
    for v in q:
        for w in adj[v]:
            if not seen[w]:
                seen[w] = 1
                q.append(w)
    total += len(q)
d = {}
for i in range(n // 2):
    d['key%09d' % rnd()] = i
total += sum(d[k] for k in sorted(d)[::7])
print(total)
