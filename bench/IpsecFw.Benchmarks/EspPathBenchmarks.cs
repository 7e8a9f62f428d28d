using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace IpsecFw.Benchmarks;

/// <summary>
/// The whole ESP packet path per packet with <see cref="EspSa"/>: <see cref="Seal"/> (header, IV, padding, trailer,
/// AEAD seal, counters) and <see cref="Open"/> (SPI and length checks, AEAD open, padding check, counters), for a payload
/// of <see cref="Size"/> bytes. Compared with <see cref="AeadSealBenchmarks"/> / <see cref="AeadOpenBenchmarks"/> at the
/// same size, the difference is the per-packet ESP overhead (plus 2 to 5 more bytes of padding and trailer encrypted).
/// </summary>
[MemoryDiagnoser]
public class EspPathBenchmarks
{
    private const uint Spi = 0x0001_0203;
    private const byte NextHeaderIpv4 = 4;
    private const int SaltSize = 4;

    // Without ESN the outbound counter stops at 2^32 - 1 (RFC 4303 3.3.3); a long run of tiny packets could get there.
    // Rewinding the counter (a test hook) long before that keeps the SA alive; the check is one compare per packet.
    private const ulong SequenceRewindAt = 1UL << 31;

    private EspSa _outbound = null!;
    private EspSa _inbound = null!;
    private byte[] _sealBuffer = [];
    private byte[] _openBuffer = [];
    private int _openLength;
    private byte[][] _icvs = [];
    private int _phase;

    [Params(64, 576, 1420, 8950)]
    public int Size { get; set; }

    [Params(EspCipher.AesGcm256, EspCipher.AesGcm128, EspCipher.ChaCha20Poly1305)]
    public EspCipher Cipher { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] keymat = Fixtures.Bytes(EspSa.KeyLength(Cipher) + SaltSize, (byte)(0x90 + (int)Cipher));
        _outbound = new EspSa(new EspSaConfig { Spi = Spi, Direction = EspDirection.Outbound, Cipher = Cipher, KeyMaterial = keymat });

        // Anti-replay off (ReplayWindowSize = 0, allowed for a non-ESN inbound SA) so the same packet, with the same
        // sequence number, can be opened again and again. The window's own per-packet cost is measured separately in
        // ReplayWindowBenchmarks; it is not part of Open here.
        _inbound = new EspSa(new EspSaConfig
        {
            Spi = Spi, Direction = EspDirection.Inbound, Cipher = Cipher, KeyMaterial = keymat, ReplayWindowSize = 0,
        });
        if (Cipher != EspCipher.ChaCha20Poly1305)
        {
            Fixtures.Check(_outbound.CipherName.Contains("AES-NI", StringComparison.Ordinal),
                $"the SA must run on AesNiGcm, not {_outbound.CipherName} (is IPSECFW_DISABLE_AESNI set?)");
        }

        _sealBuffer = new byte[EspSa.PayloadOffset + Size + EspSa.MaxTrailerSize];
        Fixtures.Bytes(Size, 0x66).CopyTo(_sealBuffer, EspSa.PayloadOffset);

        BuildOpenPacket(keymat);
        for (int i = 0; i < 4; i++)
        {
            Seal();
            Open();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbound.Dispose();
        _inbound.Dispose();
    }

    /// <summary>Seals the payload in place (the buffer's payload is re-encrypted each time; its length never changes).</summary>
    [Benchmark]
    public int Seal()
    {
        if (_outbound.LastSequence >= SequenceRewindAt)
        {
            _outbound.SetLastSequenceForTesting(0);
        }

        EspStatus s = _outbound.Seal(_sealBuffer, EspSa.PayloadOffset, Size, NextHeaderIpv4, out _, out int espLength);
        if (s != EspStatus.Ok)
        {
            throw new CryptographicException("ESP seal: " + s);
        }

        return espLength;
    }

    /// <summary>
    /// Opens the packet in place. As in <see cref="Alternating"/>, the buffer flips between two valid packets (ciphertext
    /// C with ICV Ta, and P = C ⊕ keystream with ICV Tb), so each call is a full successful open with no packet copy:
    /// only the 16-byte ICV for the current phase is written first. See <see cref="BuildOpenPacket"/>.
    /// </summary>
    [Benchmark]
    public int Open()
    {
        _icvs[_phase].CopyTo(_openBuffer, _openLength - EspSa.IcvSize);
        _phase ^= 1;
        EspStatus s = _inbound.Open(_openBuffer, 0, _openLength, out _, out int payloadLength, out _);
        if (s != EspStatus.Ok)
        {
            throw new CryptographicException("ESP open: " + s);
        }

        return payloadLength;
    }

    /// <summary>
    /// Seals packets until one has ciphertext C whose last two bytes, read as a trailer, are Pad Length 0 and a Next
    /// Header other than 59: then C is also a well-formed plaintext (a payload of Size + padding bytes, no padding), so
    /// both phases pass the ESP padding check. About 1 in 256 sequence numbers qualifies. Tb comes from .NET's AEAD.
    /// </summary>
    private void BuildOpenPacket(byte[] keymat)
    {
        using var generator = new EspSa(new EspSaConfig { Spi = Spi, Direction = EspDirection.Outbound, Cipher = Cipher, KeyMaterial = keymat });
        byte[] payload = Fixtures.Bytes(Size, 0x67);
        for (int attempt = 0; attempt < 100_000; attempt++)
        {
            byte[] buffer = new byte[EspSa.PayloadOffset + Size + EspSa.MaxTrailerSize];
            payload.CopyTo(buffer, EspSa.PayloadOffset);
            Fixtures.Check(generator.Seal(buffer, EspSa.PayloadOffset, Size, NextHeaderIpv4, out int espOffset, out int espLength) == EspStatus.Ok, "generator seal");
            Fixtures.Check(espOffset == 0, "ESP packet starts at 0");
            int encryptedLength = espLength - EspSa.PayloadOffset - EspSa.IcvSize;
            byte[] c = buffer.AsSpan(EspSa.PayloadOffset, encryptedLength).ToArray();
            if (c[^2] != 0 || c[^1] == EspSa.NoNextHeader)
            {
                continue;
            }

            // What Seal encrypted: payload, padding 1, 2, 3.., Pad Length, Next Header.
            byte[] x = new byte[encryptedLength];
            payload.CopyTo(x, 0);
            int padLength = encryptedLength - Size - 2;
            for (int i = 0; i < padLength; i++)
            {
                x[Size + i] = (byte)(i + 1);
            }

            x[^2] = (byte)padLength;
            x[^1] = NextHeaderIpv4;

            // Nonce = salt || IV, AAD = SPI || sequence number (RFC 4106 4 and 5, RFC 7634 2).
            byte[] nonce = [.. keymat.AsSpan(keymat.Length - SaltSize), .. buffer.AsSpan(EspSa.HeaderSize, EspSa.IvSize)];
            byte[] aad = buffer.AsSpan(0, EspSa.HeaderSize).ToArray();
            byte[] key = keymat.AsSpan(0, keymat.Length - SaltSize).ToArray();
            byte[] p = new byte[encryptedLength];
            byte[] tb = new byte[EspSa.IcvSize];
            if (Cipher == EspCipher.ChaCha20Poly1305)
            {
                using var reference = new ChaCha20Poly1305(key);
                reference.Encrypt(nonce, c, p, tb, aad);
            }
            else
            {
                using var reference = new AesGcm(key, EspSa.IcvSize);
                reference.Encrypt(nonce, c, p, tb, aad);
            }

            Fixtures.Check(p.AsSpan().SequenceEqual(x), "the SA's ciphertext decrypts to the payload and trailer it sealed");
            _openBuffer = buffer;
            _openLength = espLength;
            _icvs = [buffer.AsSpan(espLength - EspSa.IcvSize, EspSa.IcvSize).ToArray(), tb];
            return;
        }

        throw new CryptographicException("no suitable packet for the open benchmark");
    }
}

/// <summary>The anti-replay window's per-packet cost on in-order traffic (check before, commit after the ICV).</summary>
[MemoryDiagnoser]
public class ReplayWindowBenchmarks
{
    private readonly ReplayWindow _window = new();
    private ulong _sequence;

    [Benchmark]
    public bool CheckAndCommit_InOrder()
    {
        ulong s = ++_sequence;
        return _window.TryCheck(s) && _window.TryCommit(s);
    }
}
