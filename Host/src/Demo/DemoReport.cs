namespace IpsecFw.Host.Demo;

/// <summary>The outcome of a demonstration: the rows of Figure 1 and of Figure 2.</summary>
internal sealed record DemoReport(IReadOnlyList<DemoRow> Figure1, IReadOnlyList<DemoRow> Figure2, TimeSpan Elapsed)
{
    /// <summary>Every row.</summary>
    public IEnumerable<DemoRow> Rows => Figure1.Concat(Figure2);

    /// <summary>True when every row gives the paper's verdict.</summary>
    public bool AllMatch => Rows.All(r => r.Matches);
}
