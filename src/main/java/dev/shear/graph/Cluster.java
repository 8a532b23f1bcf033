package dev.shear.graph;

/** Kinds of structures that are ranked and budgeted separately (docs/method.md, "Budget and allocation"). */
public enum Cluster { ATTENTION, MLP }
