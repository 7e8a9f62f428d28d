using IpsecFw.Esp.Crypto;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Sa;

/// <summary>Configurations, key material and helpers shared by the SA tests and properties.</summary>
internal static class EspTestSupport
{
    /// <summary>The SPI every test SA uses.</summary>
    public const uint Spi = 0x0A0B0C0D;

    /// <summary>Every transform the SA supports.</summary>
    public static readonly EspCipher[] Ciphers = [EspCipher.AesGcm128, EspCipher.AesGcm256, EspCipher.ChaCha20Poly1305];

    /// <summary>Deterministic KEYMAT (key followed by the 4-byte salt) for <paramref name="cipher"/>.</summary>
    public static byte[] KeyMaterial(EspCipher cipher, int seed = 1)
    {
        var keymat = new byte[EspSa.KeyLength(cipher) + 4];
        new Random(seed).NextBytes(keymat);
        return keymat;
    }

    /// <summary>A configuration for one direction; tweak it with <c>with</c>.</summary>
    public static EspSaConfig Config(EspCipher cipher, EspDirection direction, byte[]? keyMaterial = null) => new()
    {
        Spi = Spi,
        Direction = direction,
        Cipher = cipher,
        KeyMaterial = keyMaterial ?? KeyMaterial(cipher),
    };

    /// <summary>The inbound twin of an outbound configuration (same SPI, keys, ESN and mode).</summary>
    public static EspSaConfig Inbound(EspSaConfig outbound) => outbound with { Direction = EspDirection.Inbound };

    /// <summary>Skips the calling test where the platform has no ChaCha20-Poly1305.</summary>
    public static void SkipIfUnsupported(EspCipher cipher)
    {
        if (cipher == EspCipher.ChaCha20Poly1305)
        {
            Assert.SkipUnless(ChaCha20Poly1305Aead.IsSupported, "not run: this platform has no ChaCha20-Poly1305");
        }
    }

    /// <summary>
    /// Seals <paramref name="payload"/> with <paramref name="sa"/> in a fresh buffer and returns the exact ESP packet
    /// (SPI through ICV); fails the test unless the seal succeeds.
    /// </summary>
    public static byte[] SealPacket(EspSa sa, ReadOnlySpan<byte> payload, byte nextHeader)
    {
        var buffer = new byte[EspSa.PayloadOffset + payload.Length + sa.TrailerSize(payload.Length)];
        payload.CopyTo(buffer.AsSpan(EspSa.PayloadOffset));
        EspStatus status = sa.Seal(buffer, EspSa.PayloadOffset, payload.Length, nextHeader, out int espOffset, out int espLength);
        Assert.Equal(EspStatus.Ok, status);
        Assert.Equal(0, espOffset);
        Assert.Equal(buffer.Length, espLength);
        return buffer;
    }

    /// <summary>Opens a copy of <paramref name="packet"/> (Open works in place and zeroes the data on failure).</summary>
    public static EspStatus OpenCopy(EspSa sa, ReadOnlySpan<byte> packet, out byte[] payload, out byte nextHeader)
    {
        byte[] copy = packet.ToArray();
        EspStatus status = sa.Open(copy, 0, copy.Length, out int payloadOffset, out int payloadLength, out nextHeader);
        payload = copy.AsSpan(payloadOffset, payloadLength).ToArray();
        return status;
    }

    /// <summary>Opens a copy of <paramref name="packet"/>, discarding the payload.</summary>
    public static EspStatus OpenCopy(EspSa sa, ReadOnlySpan<byte> packet) => OpenCopy(sa, packet, out _, out _);
}

/// <summary>Records lifetime events in order.</summary>
internal sealed class RecordingObserver : IEspSaObserver
{
    private readonly List<EspLifetimeEvent> _events = [];

    public IReadOnlyList<EspLifetimeEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void OnLifetime(EspSa sa, EspLifetimeEvent lifetimeEvent)
    {
        lock (_events)
        {
            _events.Add(lifetimeEvent);
        }
    }
}
