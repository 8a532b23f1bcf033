/*
 * Preloaded by the ./shear launcher on AMD CPUs (opt out: SHEAR_MKL_AMD=0).
 *
 * Why: DJL's libtorch links Intel MKL statically into libtorch_cpu.so. MKL asks its own
 * mkl_serv_intel_cpu_true() whether it runs on an Intel CPU and, when the answer is no, takes a
 * generic code path: on the 2-core AMD EPYC (Zen 5) of docs/benchmarks.md its fp32 sgemm reached
 * about 75 GFLOP/s against OpenBLAS's 198 on the same cores. libtorch_cpu.so exports that function
 * and calls it through the dynamic linker, so a definition loaded first (LD_PRELOAD) wins. Saying
 * "yes" makes MKL pick its kernels from the CPU's actual instruction sets (AVX2/AVX-512), which
 * Zen 4/5 implements. Nothing else in the process calls this symbol.
 *
 * Determinism is unaffected: the launcher still sets MKL_CBWR, and the kernel MKL picks is fixed
 * for a given CPU and setting, so two runs on the same machine stay bit-identical.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
