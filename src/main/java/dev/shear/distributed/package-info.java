/**
 * Work spread over a cluster: {@link dev.shear.distributed.Shards} runs independent pieces of work
 * and returns their results in order; the classes here cut evaluation, KDA and calibration into
 * such pieces with the stages' own code and put the results back together exactly. The cluster
 * itself (Apache Spark) lives in the separate spark module and is found at run time; nothing here
 * names it. See docs/distributed.md.
 */
package dev.shear.distributed;
