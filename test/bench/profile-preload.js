// Preloaded into the service when BENCH_CPU_PROF is set: SIGUSR2 ends the process normally, so that
// node --cpu-prof writes its profile (a signal's default action would not).
process.on('SIGUSR2', () => process.exit(0));
