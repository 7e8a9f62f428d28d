using System.Globalization;
using System.Net;
using System.Text;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Benchmarks;

/// <summary>How the generated policy's rules share services.</summary>
public enum RuleShape
{
    /// <summary>Rule i is <c>allow tcp/(i+1)(g_i, me)</c>: every rule has a port of its own (the index finds one candidate).</summary>
    DistinctPorts,

    /// <summary>Every rule is <c>allow tcp/443(g_i, me)</c>: first match must walk all of them (the worst case).</summary>
    SamePort,
}

/// <summary>Generated policies for the SPD benchmarks: one x509 group for the host itself, one /32 address group per rule.</summary>
internal static class SpdFixtures
{
    public static readonly IPAddress Self = IPAddress.Parse("198.19.0.1");

    public static readonly PeerIdentity SelfIdentity = new() { CommonName = "srv.example.com", DnsNames = ["srv.example.com"] };

    public static IPAddress PeerAddress(int i) => new([198, 18, (byte)(i >> 8), (byte)i]);

    public static string Source(int rules, RuleShape shape)
    {
        var sb = new StringBuilder("me = x509{name=\"srv.example.com\"};\n");
        for (int i = 0; i < rules; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"g{i} = IPv4{{{PeerAddress(i)}}};\n");
        }

        for (int i = 0; i < rules; i++)
        {
            int port = shape == RuleShape.DistinctPorts ? i + 1 : 443;
            sb.Append(CultureInfo.InvariantCulture, $"allow tcp/{port}(g{i}, me);\n");
        }

        return sb.ToString();
    }

    public static PolicySnapshot Compile(string source)
    {
        CompileResult result = PolicyCompiler.Compile(source, "bench.pol");
        Fixtures.Check(result.Succeeded, "the generated policy compiles: " + string.Join("; ", result.Errors.Take(3).Select(d => d.Format())));
        return result.Snapshot!;
    }
}
