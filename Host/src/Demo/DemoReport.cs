namespace IpsecFw.Host.Demo;

/// <summary>The outcome of a demonstration: the rows of Figure 1 and of Figure 2.</summary>
/// <param name="Figure1">Figure 1's rows.</param>
/// <param name="Figure2">Figure 2's rows.</param>
/// <param name="Elapsed">Wall time from the first namespace to the return (the clean-up comes after).</param>
/// <param name="NamespacePrefix">The names of the run's namespaces start with this (all removed by the clean-up).</param>
/// <param name="DaemonPids">The PIDs of the daemons it started (all stopped by the clean-up).</param>
/// <param name="Directory">The run's temporary directory (removed by the clean-up unless it was asked to keep it).</param>
internal sealed record DemoReport(IReadOnlyList<DemoRow> Figure1, IReadOnlyList<DemoRow> Figure2, TimeSpan Elapsed,
    string NamespacePrefix, IReadOnlyList<int> DaemonPids, string Directory)
{
    /// <summary>Every row.</summary>
    public IEnumerable<DemoRow> Rows => Figure1.Concat(Figure2);

    /// <summary>True when every row gives the paper's verdict.</summary>
    public bool AllMatch => Rows.All(r => r.Matches);
}
