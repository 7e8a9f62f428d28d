using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using IpsecFw.Benchmarks;

// Usage (always Release):
//   dotnet run -c Release --project bench/IpsecFw.Benchmarks -- --filter '*'                 whole suite, our job
//   dotnet run -c Release --project bench/IpsecFw.Benchmarks -- --filter '*Open*'            a subset
//   dotnet run -c Release --project bench/IpsecFw.Benchmarks -- --filter '*' --job short     BenchmarkDotNet's short job instead
// bench/run.sh runs the suite between two OpenSSL anchors and writes bench/out/summary.md.
bool cliJob = args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
IConfig config = cliJob ? BenchConfig.Base() : BenchConfig.Base().AddJob(BenchConfig.Job);
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, config);
