using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace IpsecFw.Benchmarks;

/// <summary>
/// The suite's default config: one process per case, 3 warm-up and 15 measured iterations of about 200 ms each, so the
/// whole suite (81 cases) runs in about 15 minutes on two shared cores. Passing <c>--job</c> on the command line (e.g.
/// <c>--job short</c>) replaces this job with BenchmarkDotNet's own (see Program).
/// </summary>
public static class BenchConfig
{
    public const string JobId = "ipsecfw";

    public static Job Job { get; } = Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15)
        .WithIterationTime(TimeInterval.FromMilliseconds(200))
        .WithId(JobId);

    /// <summary>Exporters and columns shared by every run; the job is added by the caller.</summary>
    public static ManualConfig Base() => ManualConfig.Create(DefaultConfig.Instance)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddExporter(JsonExporter.Full)
        .AddExporter(CsvMeasurementsExporter.Default)
        .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
        .WithOptions(ConfigOptions.DisableLogFile);
}
