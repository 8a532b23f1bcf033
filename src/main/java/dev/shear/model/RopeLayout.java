package dev.shear.model;

/**
 * How rotary embedding pairs the dimensions of a head. The two are related by a fixed row
 * permutation of the q and k projections ({@code RopePermutation}).
 */
public enum RopeLayout {
    /** Hugging Face rotate_half: dimension i pairs with i + headDim/2. */
    HALF,
    /** llama2.c run.c and Meta's original code: dimension 2i pairs with 2i+1. */
    ADJACENT
}
