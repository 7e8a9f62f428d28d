using System.Net;
using System.Runtime.Versioning;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Nftables;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.InteropTests.Nftables;

/// <summary>
/// nft itself accepts every ruleset <see cref="NftRulesetBuilder"/> writes for the paper's figures and for a policy that
/// uses every feature (reject, log, ranges, both families, ICMP, other protocols), without and with the NFLOG rules of
/// the daemon's intrusion-detection events: first in check mode
/// (<c>nft -c -f</c>), then applied for real, twice (the second run replaces the table in one transaction), inside a
/// namespace the test creates.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class NftRulesetCheckTests
{
    private static readonly DateTimeOffset s_current = new(2000, 1, 10, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Every feature the builder writes.</summary>
    internal const string Everything = """
        lan = IPv4{198.18.0.0/24} | IPv6{2001:2::/48};
        bad = IPv4{198.18.0.7, 198.18.0.9-198.18.0.12};
        odd = IPv6{::fffe:ffff:ffff-::ffff:0.0.0.1, 2001:2::1, 2001:2::10-2001:2::1f, 2001:2:0:1::/64};
        me = x509{name="me.example.com"} | lan;
        deny *(bad, lan) log reject;
        deny smtp(*, lan) reject;
        allow domain(*, lan) log;
        allow icmp6(*, lan);
        allow proto/47(lan, odd);
        allow sctp/9899(me, *);
        allow tcp/8000-8100(me, me);
        allow icmp(lan, *) log;
        allow ssh(me, *) process "/usr/bin/ssh";
        default reject;
        """;

    private static readonly (string Label, string Policy, string? Self, string Address)[] s_rulesets =
    [
        ("figure 1", PaperFigures.Figure1, "mail-gw.example.com", "198.18.0.25"),
        ("figure 1", PaperFigures.Figure1, "host1.example.com", "198.18.0.1"),
        ("figure 1", PaperFigures.Figure1, "www.example.org", "198.51.100.7"),
        ("figure 1", PaperFigures.Figure1, null, "192.0.2.123"),
        ("figure 2", PaperFigures.Figure2, "host1.example.com", "198.18.0.1"),
        ("figure 2 (old certificate)", PaperFigures.Figure2, "old.example.com", "198.18.0.3"),
        ("every feature", Everything, null, "198.18.0.1"),
        ("every feature", Everything, "me.example.com", "2001:2::5"),
    ];

    [Fact]
    public async Task Nft_accepts_every_ruleset_in_check_mode_and_applies_each_twice()
    {
        NftPreconditions.SkipUnlessAvailable();
        // One namespace for all: each ruleset replaces the previous table, as a reload does.
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        // Each ruleset as it is without events, and with the NFLOG rules of the daemon's events (a shared limit object).
        foreach ((string label, string policy, string? self, string address, int? group) in s_rulesets.SelectMany(
            r => new[] { (r.Label, r.Policy, r.Self, r.Address, (int?)null), (r.Label + " (events)", r.Policy, r.Self, r.Address, 32473) }))
        {
            DateTimeOffset notBefore = label.Contains("old", StringComparison.Ordinal) ? new(1999, 3, 1, 0, 0, 0, TimeSpan.Zero) : s_current;
            string ruleset = Build(policy, self, notBefore, [IPAddress.Parse(address)], new NftOptions { TunDevice = "ipsecfw0", EventGroup = group });
            Assert.Equal(group is not null, ruleset.Contains(" group 32473 snaplen 256 ", StringComparison.Ordinal));
            string file = Path.Combine(Path.GetTempPath(), $"ipsecfw-nft-{Guid.NewGuid():N}.nft");
            await File.WriteAllTextAsync(file, ruleset, TestContext.Current.CancellationToken);
            try
            {
                foreach (string[] args in new[] { new[] { "-c", "-f", file }, ["-f", file], ["-f", file] })
                {
                    ProcessResult r = await net.Left.Ns.ExecAsync("nft", args);
                    Assert.True(r.ExitCode == 0, $"{label} at {self ?? "(no certificate)"}: nft {string.Join(' ', args)}: {r}\n{ruleset}");
                }

                // Exactly the one table, with both chains and the default deny of this ruleset.
                string listed = await net.Left.Ns.MustExecAsync("nft", "list", "ruleset");
                Assert.Single(listed.Split('\n'), l => l.StartsWith("table ", StringComparison.Ordinal));
                Assert.Equal(2, listed.Split('\n').Count(l => l.Contains("comment \"ipsecfw default deny\"", StringComparison.Ordinal)) / (policy == Everything ? 2 : 1));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>The ruleset for one host of a policy.</summary>
    internal static string Build(string policy, string? self, DateTimeOffset notBefore, IPAddress[] addresses, NftOptions options)
    {
        CompileResult result = PolicyCompiler.Compile(policy, "test.pol");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        PeerIdentity? identity = self is null ? null : new PeerIdentity
        {
            SubjectDn = $"CN={self},O=Example",
            CommonName = self,
            DnsNames = [self],
            NotBefore = notBefore,
            NotAfter = notBefore.AddYears(2),
        };
        return NftRulesetBuilder.Build(result.Snapshot!.Specialize(identity, addresses), options);
    }
}
