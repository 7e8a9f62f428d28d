using System.Globalization;
using System.Net;
using System.Text;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Benchmarks;

/// <summary>How the generated policy's rules share services.</summary>
public enum RuleShape
{
    /// <summary>
    /// Rule i is <c>allow tcp/(i mod 65535 + 1)(g_i, me)</c>: every rule has a port of its own up to 65,535 rules (the
    /// index finds one candidate), two per port beyond.
    /// </summary>
    DistinctPorts,

    /// <summary>Every rule is <c>allow tcp/443(g_i, me)</c>: first match must walk all of them (the worst case).</summary>
    SamePort,
}

/// <summary>Generated policies for the SPD benchmarks: one x509 group for the host itself, one /32 address group per rule.</summary>
internal static class SpdFixtures
{
    public static readonly IPAddress Self = IPAddress.Parse("198.19.255.254");

    public static readonly PeerIdentity SelfIdentity = new() { CommonName = "srv.example.com", DnsNames = ["srv.example.com"] };

    // 198.18.0.0 + i: room for 131,070 peers in 198.18.0.0/15 below Self.
    public static IPAddress PeerAddress(int i) => new([198, (byte)(18 + (i >> 16)), (byte)(i >> 8), (byte)i]);

    public static string Source(int rules, RuleShape shape)
    {
        var sb = new StringBuilder("me = x509{name=\"srv.example.com\"};\n");
        for (int i = 0; i < rules; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"g{i} = IPv4{{{PeerAddress(i)}}};\n");
        }

        for (int i = 0; i < rules; i++)
        {
            int port = shape == RuleShape.DistinctPorts ? DistinctPort(i) : 443;
            sb.Append(CultureInfo.InvariantCulture, $"allow tcp/{port}(g{i}, me);\n");
        }

        return sb.ToString();
    }

    /// <summary>The port of rule <paramref name="i"/> in <see cref="RuleShape.DistinctPorts"/>.</summary>
    public static ushort DistinctPort(int i) => (ushort)(i % 65_535 + 1);

    public static PolicySnapshot Compile(string source)
    {
        CompileResult result = PolicyCompiler.Compile(source, "bench.pol");
        Fixtures.Check(result.Succeeded, "the generated policy compiles: " + string.Join("; ", result.Errors.Take(3).Select(d => d.Format())));
        return result.Snapshot!;
    }
}
