package dev.shear.graph;

import java.util.Arrays;

/** Disjoint sets over 0..n-1 that grow on demand; path halving and union by size. */
final class UnionFind {
    private int[] parent = new int[64];
    private int[] size = new int[64];
    private int n;

    /** Adds count new singletons; returns the first new element. */
    int grow(int count) {
        int first = n;
        while (n + count > parent.length) {
            parent = Arrays.copyOf(parent, parent.length * 2);
            size = Arrays.copyOf(size, size.length * 2);
        }
        for (int i = n; i < n + count; i++) {
            parent[i] = i;
            size[i] = 1;
        }
        n += count;
        return first;
    }

    int size() { return n; }

    int find(int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    void union(int a, int b) {
        int ra = find(a), rb = find(b);
        if (ra == rb) return;
        if (size[ra] < size[rb]) { int t = ra; ra = rb; rb = t; }
        parent[rb] = ra;
        size[ra] += size[rb];
    }
}
