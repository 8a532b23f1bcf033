package dev.shear.graph;

/** Kinds of structures that are ranked and budgeted separately (method.md 4.5, A9). */
public enum Cluster { ATTENTION, MLP }
