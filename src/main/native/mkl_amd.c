/*
 * Preloaded by the ./shear launcher on AMD CPUs (opt out: SHEAR_MKL_AMD=0).
 *
 * Why: DJL's libtorch links Intel MKL statically into libtorch_cpu.so. MKL asks its own
 * mkl_serv_intel_cpu_true() whether it runs on an Intel CPU and, when the answer is no, takes a
 * generic code path: on the 2-core AMD EPYC (Zen 5) of docs/benchmarks.md its fp32 sgemm reached
 * about 75 GFLOP/s against OpenBLAS's 198 on the same cores. libtorch_cpu.so exports that function
 * and calls it through the dynamic linker, so a definition loaded first (LD_PRELOAD) wins. Saying
 * "yes" makes MKL pick its kernels by the CPU's instruction sets: perf then shows its AVX-512 sgemm
 * kernels, and the matmul peak rose to about 95-110 GFLOP/s.
 *
 * Determinism is unaffected: the launcher still sets MKL_CBWR, which fixes the kernel for a given
 * CPU and setting, so two runs on the same machine stay bit-identical.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
