using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.Spd.Tests.Distribution;

/// <summary>Fixed keys, a fixed clock and helpers shared by the distribution tests.</summary>
internal static class BundleKit
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 4, 0, 0, TimeSpan.Zero);

    /// <summary>The administrator's key (a fixed seed, so that every run signs the same bytes).</summary>
    public static BundlePrivateKey Signer() => BundlePrivateKey.FromSeed(Seed(1));

    /// <summary>Someone else's key.</summary>
    public static BundlePrivateKey Stranger() => BundlePrivateKey.FromSeed(Seed(2));

    public static CompiledPolicy Compile(string source)
    {
        CompiledPolicy? policy = CompiledPolicy.FromSource(source, "test.pol", out CompileResult result);
        Assert.True(policy is not null, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        return policy;
    }

    public static CompiledPolicy Figure1 => Compile(PaperFigures.Figure1);

    /// <summary>A bundle issued a minute before <see cref="Now"/>, valid for 30 days.</summary>
    public static byte[] Sign(BundlePrivateKey key, ulong serial, CompiledPolicy? policy = null, DateTimeOffset? issuedAt = null,
        DateTimeOffset? expiresAt = null)
    {
        DateTimeOffset issued = issuedAt ?? Now.AddMinutes(-1);
        return BundleSigner.Sign(key, policy ?? Figure1, serial, issued, expiresAt ?? issued.AddDays(30)).Encoded.ToArray();
    }

    /// <summary>A compiled-policy envelope around arbitrary source bytes, with a correct hash.</summary>
    public static byte[] Envelope(byte[] source, ushort format = 1, ushort compiler = 1)
    {
        var bytes = new byte[CompiledPolicy.HeaderLength + source.Length];
        "IFWP"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), format);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), compiler);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), (uint)source.Length);
        SHA256.HashData(source, bytes.AsSpan(12, 32));
        source.CopyTo(bytes, CompiledPolicy.HeaderLength);
        return bytes;
    }

    public static byte[] Envelope(string source) => Envelope(Encoding.UTF8.GetBytes(source));

    /// <summary>Signs arbitrary field values (which <see cref="BundleSigner.Sign"/> would refuse) with the key.</summary>
    public static byte[] SignRaw(BundlePrivateKey key, ulong serial, long issued, long expires, CompiledPolicy policy) =>
        SignRaw(key, serial, issued, expires, policy.Encoded.ToArray());

    /// <summary>Builds and signs a bundle by hand around any policy bytes, following the documented layout.</summary>
    public static byte[] SignRaw(BundlePrivateKey key, ulong serial, long issued, long expires, byte[] policy)
    {
        var buffer = new byte[46 + policy.Length + 64];
        "IFWB"u8.CopyTo(buffer);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(6), 1);
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(8), serial);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(16), issued);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(24), expires);
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(32), key.PublicKey.KeyId);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(40), (uint)policy.Length);
        policy.CopyTo(buffer, 44);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(44 + policy.Length), 64);
        key.Sign(buffer.AsSpan(0, 44 + policy.Length)).CopyTo(buffer, 46 + policy.Length);
        return buffer;
    }

    public static int PolicyLength(byte[] bundle) => (int)BinaryPrimitives.ReadUInt32BigEndian(bundle.AsSpan(40));

    private static byte[] Seed(byte b)
    {
        var seed = new byte[32];
        for (int i = 0; i < seed.Length; i++)
        {
            seed[i] = (byte)(b * 37 + i);
        }

        return seed;
    }
}
