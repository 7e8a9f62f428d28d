using System.Security.Cryptography;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Crypto;

/// <summary>Suites, random keys, sample messages, and an independent reference sealer built on the .NET primitives.</summary>
internal static class SkTestSupport
{
    public static readonly IkeHeader AuthHeader = new(
        0x1122334455667788, 0x99aabbccddeeff00, PayloadType.None, 2, 0, ExchangeType.IkeAuth, IkeHeaderFlags.Initiator, 1, 0);

    public static IEnumerable<IkeCipherSuite> All => [.. IkeCipherSuite.Supported, IkeCipherSuite.LegacyAesCbc128HmacSha1Bits96];

    public static TheoryData<string> Names() => [.. All.Select(s => s.Name)];

    public static IkeCipherSuite ByName(string name) => All.Single(s => s.Name == name);

    public static (byte[] Encryption, byte[] Integrity) RandomKeys(IkeCipherSuite suite) =>
        (RandomNumberGenerator.GetBytes(suite.KeyLength + suite.SaltLength), RandomNumberGenerator.GetBytes(suite.IntegrityKeyLength));

    /// <summary>What an initiator's IKE_AUTH request carries inside SK.</summary>
    public static List<IkePayload> AuthPayloads()
    {
        List<IkePayload> all = [.. SamplePayloads.All()];
        return
        [
            all.First(p => p.Type == PayloadType.IdentificationInitiator),
            all.First(p => p.Type == PayloadType.Authentication),
            all.First(p => p.Type == PayloadType.SecurityAssociation),
            all.First(p => p.Type == PayloadType.TrafficSelectorInitiator),
            all.First(p => p.Type == PayloadType.TrafficSelectorResponder),
        ];
    }

    /// <summary>Inner chains of several sizes: empty, notifies of 0..4000 data bytes, IKE_AUTH content, every payload type.</summary>
    public static IEnumerable<(string Name, List<IkePayload> Inner)> InnerChains()
    {
        yield return ("empty", []);
        foreach (int size in new[] { 0, 1, 2, 3, 7, 8, 11, 12, 13, 15, 16, 17, 31, 32, 100, 1000, 4000 })
        {
            yield return ($"notify+{size}", [new NotifyPayload(NotifyType.NatDetectionSourceIp, RandomNumberGenerator.GetBytes(size))]);
        }

        yield return ("ike-auth", AuthPayloads());
        yield return ("every-type", [.. SamplePayloads.All()]);
    }

    public static byte[] EncodeChain(IReadOnlyList<IkePayload> payloads)
    {
        byte[] buffer = new byte[payloads.Sum(p => p.GetSerializedLength())];
        var writer = new MessageWriter(buffer);
        foreach (IkePayload payload in payloads)
        {
            Assert.True(writer.TryAdd(payload));
        }

        Assert.True(writer.TryFinish(out int length));
        Assert.Equal(buffer.Length, length);
        return buffer;
    }

    /// <summary>
    /// Builds header || SK with <paramref name="plaintext"/> (payloads, padding and Pad Length exactly as given) with
    /// AesGcm / ChaCha20Poly1305 / Aes + HMAC directly, independently of <see cref="SkProtector"/>.
    /// </summary>
    public static byte[] ReferenceSeal(IkeCipherSuite suite, byte[] encryptionKey, byte[] integrityKey, PayloadType first, byte[] iv, byte[] plaintext)
    {
        int body = iv.Length + plaintext.Length + suite.IcvLength;
        int total = IkeHeader.Size + GenericPayloadHeader.Size + body;
        byte[] m = new byte[total];
        Assert.True((AuthHeader with { NextPayload = PayloadType.Encrypted, Length = (uint)total }).TryWrite(m, out _));
        Assert.True(new GenericPayloadHeader(first, false, (ushort)(GenericPayloadHeader.Size + body)).TryWrite(m.AsSpan(IkeHeader.Size), out _));
        int ivOffset = IkeHeader.Size + GenericPayloadHeader.Size;
        iv.CopyTo(m, ivOffset);
        Span<byte> ciphertext = m.AsSpan(ivOffset + iv.Length, plaintext.Length);
        Span<byte> icv = m.AsSpan(ivOffset + iv.Length + plaintext.Length);
        byte[] key = encryptionKey[..suite.KeyLength];
        byte[] nonce = [.. encryptionKey[suite.KeyLength..], .. iv];
        switch (suite.Encryption)
        {
            case EncryptionAlgorithm.AesGcm16:
                using (var gcm = new AesGcm(key, 16))
                {
                    gcm.Encrypt(nonce, plaintext, ciphertext, icv, m.AsSpan(0, ivOffset));
                }

                break;
            case EncryptionAlgorithm.ChaCha20Poly1305:
                using (var chaCha = new ChaCha20Poly1305(key))
                {
                    chaCha.Encrypt(nonce, plaintext, ciphertext, icv, m.AsSpan(0, ivOffset));
                }

                break;
            default:
                using (Aes aes = Aes.Create())
                {
                    aes.Key = key;
                    aes.EncryptCbc(plaintext, iv, ciphertext, PaddingMode.None);
                }

                byte[] data = m[..(total - suite.IcvLength)];
#pragma warning disable CA5350 // HMAC-SHA1 only for the legacy capture suite.
                byte[] mac = suite.Integrity switch
                {
                    IntegrityAlgorithm.HmacSha256Bits128 => HMACSHA256.HashData(integrityKey, data),
                    IntegrityAlgorithm.HmacSha384Bits192 => HMACSHA384.HashData(integrityKey, data),
                    IntegrityAlgorithm.HmacSha512Bits256 => HMACSHA512.HashData(integrityKey, data),
                    _ => HMACSHA1.HashData(integrityKey, data),
                };
#pragma warning restore CA5350
                mac.AsSpan(0, suite.IcvLength).CopyTo(icv);
                break;
        }

        return m;
    }
}
