using System.Buffers.Binary;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Real IKE_SA_INIT requests (RFC 7296 1.2: HDR, SAi1, KEi, Ni, N(IKEV2_FRAGMENTATION_SUPPORTED)) from many initiators
/// that never go further, written with our codec once and then copied with a fresh SPIi, Curve25519 public value and
/// nonce each (any 32 bytes are a Curve25519 public value, so the responder does the full work for each).
/// </summary>
internal sealed class IkeSaInitTemplate
{
    private const int KeLength = 32, NonceLength = 32;
    private readonly byte[] _template;
    private readonly int _keOffset, _nonceOffset;

    public IkeSaInitTemplate(string proposal = "aes256gcm16-prfsha384-x25519")
    {
        byte[] ke = new byte[KeLength], nonce = new byte[NonceLength];
        Array.Fill(ke, (byte)0xa5);
        Array.Fill(nonce, (byte)0x5a);
        var header = new IkeHeader(1, 0, PayloadType.None, 2, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Initiator, 0, 0);
        _template = new IkeMessage(header,
        [
            new SaPayload(IkeSaConfig.ParseProposals(proposal, "aes256gcm16").Ike),
            new KePayload(KeyExchangeMethod.Curve25519, ke),
            new NoncePayload(nonce),
            new NotifyPayload(NotifyType.Ikev2FragmentationSupported),
        ]).Encode();
        _keOffset = _template.AsSpan().IndexOf(ke);
        _nonceOffset = _template.AsSpan().IndexOf(nonce);
        if (_keOffset < 0 || _nonceOffset < 0)
        {
            throw new InvalidOperationException("the encoded IKE_SA_INIT does not hold the KE and nonce values as written");
        }
    }

    /// <summary>The length of every request.</summary>
    public int Length => _template.Length;

    /// <summary>Writes one request with a fresh nonzero SPIi, KE value and nonce into <paramref name="destination"/>; returns the SPIi.</summary>
    public ulong Write(Span<byte> destination, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _template.CopyTo(destination);
        ulong spi = (ulong)random.NextInt64(1, long.MaxValue);
        BinaryPrimitives.WriteUInt64BigEndian(destination, spi);
        random.NextBytes(destination.Slice(_keOffset, KeLength));
        random.NextBytes(destination.Slice(_nonceOffset, NonceLength));
        return spi;
    }

    /// <summary>A new request.</summary>
    public byte[] Next(Random random)
    {
        byte[] request = new byte[Length];
        Write(request, random);
        return request;
    }

    /// <summary>RFC 7296 2.6: the same request again with the responder's COOKIE as its first payload.</summary>
    public static byte[] WithCookie(byte[] request, byte[] cookie)
    {
        if (!IkeMessage.TryDecode(request, out IkeMessage m, out IkeDecodeFailure failure))
        {
            throw new InvalidOperationException($"our own IKE_SA_INIT does not decode: {failure}");
        }

        return new IkeMessage(m.Header, [new NotifyPayload(NotifyType.Cookie, cookie), .. m.Payloads]).Encode();
    }
}
