namespace IpsecFw.Host.Demo;

/// <summary>How to run the demonstration.</summary>
/// <param name="Executable">How to start <c>ipsecfw run</c> for each host.</param>
/// <param name="Output">Where the story and the tables go.</param>
/// <param name="KeepFiles">Keep the temporary directory (certificates, configurations, bundles, daemon logs) and say where.</param>
internal sealed record DemoOptions(DemoExecutable Executable, TextWriter Output, bool KeepFiles = false)
{
    /// <summary>How long one connection try may take.</summary>
    public TimeSpan ProbeBound { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a daemon may take to answer on its control socket.</summary>
    public TimeSpan DaemonStartBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the SAs may take to come up, all together.</summary>
    public TimeSpan SaBound { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>The clock (certificate and bundle dates).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
