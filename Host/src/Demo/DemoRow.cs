namespace IpsecFw.Host.Demo;

/// <summary>One row of the table: a connection, what the paper expects, what the policy decides and by which rule, what real traffic saw, and what the deciding daemon counted for that rule.</summary>
/// <param name="Connection">The connection and the paper's verdict.</param>
/// <param name="Decision">The policy's verdict and deciding rule (<see cref="DemoPolicyModel"/>).</param>
/// <param name="Observed">What the try saw.</param>
/// <param name="Counted">How much the deciding daemon's counter for that rule rose during the figure's tries, or null when the daemon reports no such counter.</param>
internal sealed record DemoRow(DemoConnection Connection, DemoDecision Decision, DemoObservation Observed, long? Counted = null)
{
    /// <summary>The policy's verdict.</summary>
    public DemoVerdict Policy => Decision.Verdict;

    /// <summary>The deciding rule, per the policy (<c>host1 in: default deny</c>).</summary>
    public string Rule => Decision.Rule;

    /// <summary>True when the traffic and the policy both give the paper's verdict.</summary>
    public bool Matches => Observed.Verdict == Connection.Expected && Policy == Connection.Expected;
}
