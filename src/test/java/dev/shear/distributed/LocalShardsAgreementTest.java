package dev.shear.distributed;

/** The cutting and putting back together, without a cluster: every piece through serialization, cut for three slots. */
class LocalShardsAgreementTest extends ClusterAgreement {
    @Override protected Shards shards() { return LocalShards.serializing(3); }

    @Override protected int slots() { return 1; }
}
