namespace IpsecFw.Host.Demo;

/// <summary>One row of the table: a connection, what the paper expects, what the policy decides and by which rule, and what real traffic saw.</summary>
/// <param name="Connection">The connection and the paper's verdict.</param>
/// <param name="Policy">The policy's verdict (<see cref="DemoPolicyModel"/>).</param>
/// <param name="Rule">The deciding rule, per the policy (<c>host1 in: default deny</c>).</param>
/// <param name="Observed">What the try saw.</param>
internal sealed record DemoRow(DemoConnection Connection, DemoVerdict Policy, string Rule, DemoObservation Observed)
{
    /// <summary>True when the traffic and the policy both give the paper's verdict.</summary>
    public bool Matches => Observed.Verdict == Connection.Expected && Policy == Connection.Expected;
}
