using System.Runtime.Versioning;
using IpsecFw.Host.Demo;
using IpsecFw.Tun;

namespace IpsecFw.InteropTests.Demo;

/// <summary>
/// The table of <c>ipsecfw demo</c> as assertions: one test per row (Figure 1, then Figure 2 after the new bundle is
/// shipped), each passing only when real traffic through the daemons gives the paper's verdict and the policy names
/// the same verdict; plus the clean-up (namespaces, daemons, files).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DemoTests(DemoRunFixture fixture) : IClassFixture<DemoRunFixture>
{
    /// <summary>Every row: figure and index, with the connection as the name.</summary>
    public static TheoryData<int, int, string> Rows => new(
        DemoScenario.Figure1.Select((c, i) => (1, i, c.Label)).Concat(DemoScenario.Figure2.Select((c, i) => (2, i, c.Label))));

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_row_gives_the_papers_verdict_with_real_traffic(int figure, int index, string connection)
    {
        DemoReport report = Ready();
        DemoRow row = (figure == 1 ? report.Figure1 : report.Figure2)[index];
        Assert.Equal(connection, row.Connection.Label);
        Assert.True(row.Policy == row.Connection.Expected,
            $"Figure {figure}, {connection}: the policy says {row.Policy} ({row.Rule}), the paper {row.Connection.Expected}");
        Assert.True(row.Observed.Verdict == row.Connection.Expected,
            $"Figure {figure}, {connection} ({row.Connection.Flow}): the paper expects {row.Connection.Expected}, real traffic was " +
            $"{row.Observed.Verdict} ({row.Observed.Detail}); the policy's deciding rule: {row.Rule}\n{fixture.Output}");

        // The deciding daemon counted the deciding rule: the data path's rule hits through an SA (always reported), the
        // nftables counters in clear (reported once the daemon installs the table).
        Assert.True(row.Counted is not null || !row.Connection.Tunnel, $"Figure {figure}, {connection}: {row.Decision.Host} reports no count for the rule");
        Assert.True(row.Counted is null or > 0,
            $"Figure {figure}, {connection}: {row.Decision.Host}'s counter for '{row.Rule}' did not rise\n{fixture.Output}");
    }

    [Fact]
    public void The_demo_removes_its_namespaces_daemons_and_files()
    {
        DemoReport report = Ready();
        Assert.Equal(DemoScenario.Figure1.Count, report.Figure1.Count);
        Assert.Equal(DemoScenario.Figure2.Count, report.Figure2.Count);
        Assert.Equal(4, report.DaemonPids.Count);
        Assert.Empty(Directory.GetFiles(NetworkNamespace.RunDirectory, report.NamespacePrefix + "*"));
        Assert.All(report.DaemonPids, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"daemon {pid} still runs"));
        Assert.False(Directory.Exists(report.Directory), $"{report.Directory} is still there");
        TestContext.Current.TestOutputHelper?.WriteLine(fixture.Output);
    }

    private DemoReport Ready()
    {
        if (fixture.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        Assert.True(fixture.Failure is null, $"{fixture.Failure}\n{fixture.Output}");
        return fixture.Report!;
    }
}
