using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.Spd.Tests.Distribution;

public sealed class CompiledPolicyTests
{
    [Fact]
    public void The_envelope_has_the_documented_layout()
    {
        CompiledPolicy policy = BundleKit.Figure1;
        byte[] bytes = policy.Encoded.ToArray();
        byte[] source = Encoding.UTF8.GetBytes(PaperFigures.Figure1);

        Assert.Equal("IFWP"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(4)));
        Assert.Equal(PolicyCompiler.CompilerVersion, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)));
        Assert.Equal((uint)source.Length, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal(SHA256.HashData(source), bytes[12..44]);
        Assert.Equal(source, bytes[44..]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(source)), policy.SourceSha256Hex);
    }

    [Fact]
    public void Compiling_is_deterministic_and_loading_round_trips()
    {
        byte[] first = BundleKit.Figure1.Encoded.ToArray();
        byte[] second = BundleKit.Figure1.Encoded.ToArray();
        Assert.Equal(first, second);

        Assert.True(CompiledPolicy.TryLoad(first, out CompiledPolicy? loaded, out BundleError? error), error?.ToString());
        Assert.Equal(PaperFigures.Figure1, loaded.Source);
        Assert.Equal(first, loaded.Encoded.ToArray());
        Assert.True(loaded.Compile().Succeeded);
    }

    [Fact]
    public void Source_is_canonicalised_before_it_is_compiled_and_stored()
    {
        string windows = "\uFEFF" + PaperFigures.Figure1.Replace("\n", "\r\n", StringComparison.Ordinal);
        CompiledPolicy policy = BundleKit.Compile(windows);

        Assert.Equal(PaperFigures.Figure1, policy.Source);
        Assert.Equal(BundleKit.Figure1.Encoded.ToArray(), policy.Encoded.ToArray());
    }

    [Fact]
    public void A_policy_with_errors_gives_no_compiled_policy_and_the_diagnostics()
    {
        CompiledPolicy? policy = CompiledPolicy.FromSource("allow smpt(*, *);", "bad.pol", out CompileResult result);

        Assert.Null(policy);
        Assert.Equal("bad.pol:1:7: error: unknown service 'smpt'", Assert.Single(result.Errors).Header);
    }

    public static TheoryData<string, byte[], BundleErrorKind, string> MalformedFiles()
    {
        byte[] good = BundleKit.Figure1.Encoded.ToArray();
        byte[] altered = (byte[])good.Clone();
        altered[^3] ^= 0x20;
        byte[] badMagic = (byte[])good.Clone();
        badMagic[3] = (byte)'B';
        return new()
        {
            { "empty", [], BundleErrorKind.Malformed, "0 bytes is too short for a compiled policy" },
            { "header cut", good[..43], BundleErrorKind.Malformed, "43 bytes is too short" },
            { "magic", badMagic, BundleErrorKind.Malformed, "does not start with \"IFWP\"" },
            { "format 0", BundleKit.Envelope(Encoding.UTF8.GetBytes(PaperFigures.Figure1), format: 0), BundleErrorKind.Malformed, "format version 0" },
            { "format 2", BundleKit.Envelope(Encoding.UTF8.GetBytes(PaperFigures.Figure1), format: 2), BundleErrorKind.Unsupported, "format version 2 is newer than this host reads (up to 1)" },
            { "compiler 0", BundleKit.Envelope(Encoding.UTF8.GetBytes(PaperFigures.Figure1), compiler: 0), BundleErrorKind.Malformed, "compiler version 0" },
            { "compiler 2", BundleKit.Envelope(Encoding.UTF8.GetBytes(PaperFigures.Figure1), compiler: 2), BundleErrorKind.Unsupported, "compiler version 2, newer than this host's (1)" },
            { "padded", [.. good, 0x0a], BundleErrorKind.Malformed, $"follow the header" },
            { "truncated", good[..^1], BundleErrorKind.Malformed, "follow the header" },
            { "altered", altered, BundleErrorKind.Malformed, "does not match the SHA-256" },
            { "not UTF-8", BundleKit.Envelope([0x61, 0xff, 0x62]), BundleErrorKind.Malformed, "not valid UTF-8" },
            { "CR LF", BundleKit.Envelope("allow *(*, *);\r\n"), BundleErrorKind.Malformed, "not canonical" },
            { "BOM", BundleKit.Envelope("\uFEFFallow *(*, *);\n"), BundleErrorKind.Malformed, "not canonical" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void A_malformed_file_is_refused_with_a_typed_reason(string what, byte[] bytes, BundleErrorKind kind, string message)
    {
        Assert.False(CompiledPolicy.TryLoad(bytes, out CompiledPolicy? policy, out BundleError? error), what);
        Assert.Null(policy);
        Assert.Equal(kind, error.Kind);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_length_field_is_refused_before_anything_is_read()
    {
        byte[] bytes = BundleKit.Figure1.Encoded.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), uint.MaxValue);

        Assert.False(CompiledPolicy.TryLoad(bytes, out _, out BundleError? error));
        Assert.Equal(BundleErrorKind.Malformed, error.Kind);
        Assert.Contains("over the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_and_corruption_of_a_compiled_policy_is_refused_without_throwing()
    {
        byte[] good = BundleKit.Figure1.Encoded.ToArray();
        for (int length = 0; length < good.Length; length++)
        {
            Assert.False(CompiledPolicy.TryLoad(good.AsSpan(0, length), out _, out BundleError? error));
            Assert.Equal(BundleErrorKind.Malformed, error.Kind);
        }

        var random = new Random(20261125);
        for (int i = 0; i < 1000; i++)
        {
            byte[] bytes = (byte[])good.Clone();
            int at = random.Next(bytes.Length);
            bytes[at] ^= (byte)random.Next(1, 256);
            bool loaded = CompiledPolicy.TryLoad(bytes, out _, out BundleError? error);
            Assert.False(loaded, $"corruption at {at} was accepted");
            Assert.True(error!.Kind is BundleErrorKind.Malformed or BundleErrorKind.Unsupported, $"at {at}: {error}");
        }
    }
}
