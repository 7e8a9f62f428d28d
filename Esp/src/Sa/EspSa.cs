using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Sa;

/// <summary>
/// One ESP security association (RFC 4303) with an AEAD transform (RFC 4106 AES-GCM-16, RFC 7634 ChaCha20-Poly1305):
/// it seals outbound payloads and opens inbound ESP packets in place, in the caller's buffer, without allocating.
/// </summary>
/// <remarks>
/// <code>
/// RFC 4303 2, with the 8-byte IV of RFC 4106 3.1 / RFC 7634 2:
///  0                   1                   2                   3
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
/// |               Security Parameters Index (SPI)                 | ^ AAD
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
/// |                      Sequence Number                          | v
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
/// |                  IV (8 bytes: the 64-bit sequence number)     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
/// |        Payload (inner IP packet or upper-layer segment)       | ^
/// ~        TFC padding (optional)    |      Padding (0-3)         | | encrypted
/// |                               |  Pad Length   | Next Header   | v
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
/// |                 ICV (16 bytes)                                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// <para>Concurrency: <see cref="Seal"/> may run on several threads at once (sequence numbers and counters are
/// atomic). <see cref="Open"/> must run on one thread at a time per SA, because the anti-replay window is not locked.
/// <see cref="Dispose"/> must only run after the SA has left every table and no packet thread still holds it; it zeroes
/// the keys.</para>
/// </remarks>
public sealed class EspSa : IDisposable
{
    /// <summary>SPI and sequence number.</summary>
    public const int HeaderSize = SeqOffset + sizeof(uint);

    /// <summary>The explicit IV of every transform here.</summary>
    public const int IvSize = 8;

    /// <summary>The ICV of every transform here.</summary>
    public const int IcvSize = 16;

    /// <summary>Bytes in front of the payload: header and IV.</summary>
    public const int PayloadOffset = IvOffset + IvSize;

    /// <summary>Most bytes after the payload without TFC padding: 3 of padding, Pad Length, Next Header, ICV.</summary>
    public const int MaxTrailerSize = 3 + 2 + IcvSize;

    /// <summary>
    /// The shortest packet <see cref="Open"/> parses at all: header, IV, Pad Length, Next Header and ICV. (The shortest
    /// valid one is 2 bytes longer, because the encrypted part is padded to 4 bytes.)
    /// </summary>
    public const int MinPacketSize = PayloadOffset + 2 + IcvSize;

    /// <summary>Next Header value of a dummy packet (RFC 4303 2.6).</summary>
    public const byte NoNextHeader = 59;

    internal const int SpiOffset = 0;
    internal const int SeqOffset = SpiOffset + sizeof(uint);
    internal const int IvOffset = SeqOffset + sizeof(uint);
    private const int SaltSize = 4;
    private static readonly int StatusCount = Enum.GetValues<EspStatus>().Length;

    private readonly Aead _aead;
    private uint _salt;
    private readonly ReplayWindow? _window;
    private readonly bool _esn;
    private readonly EspLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly long _created;
    private readonly long _softTicks;
    private readonly long _hardTicks;
    private readonly IEspSaObserver? _observer;
    private readonly long[] _drops = new long[StatusCount];
    private ulong _sequence;
    private long _packets;
    private long _bytes;
    private int _softFired;
    private int _hardFired;
    private int _ipId;
    private volatile bool _disposed;

    /// <summary>Creates the SA and its key schedule from <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">The configuration is inconsistent (key length, SPI 0, ESN without a window).</exception>
    public EspSa(EspSaConfig config, TimeProvider? time = null, IEspSaObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Spi == 0)
        {
            throw new ArgumentException("SPI 0 is reserved (RFC 4303 2.1).", nameof(config));
        }

        int keyLength = KeyLength(config.Cipher);
        ReadOnlySpan<byte> keymat = config.KeyMaterial.Span;
        if (keymat.Length != keyLength + SaltSize)
        {
            throw new ArgumentException(
                $"{config.Cipher} needs {keyLength + SaltSize} bytes of KEYMAT (key and 4-byte salt), not {keymat.Length}.", nameof(config));
        }

        if (config.Direction == EspDirection.Inbound && config.ExtendedSequenceNumbers && config.ReplayWindowSize == 0)
        {
            throw new ArgumentException("Extended sequence numbers need the anti-replay window to infer the high bits.", nameof(config));
        }

        if (config.TfcPadTo < 0 || config.TfcPadTo > ushort.MaxValue)
        {
            throw new ArgumentException("TFC padding target must be 0 to 65535 bytes.", nameof(config));
        }

        Config = config;
        Spi = config.Spi;
        Direction = config.Direction;
        Mode = config.Mode;
        _esn = config.ExtendedSequenceNumbers;
        _aead = AeadFactory.Create(config.Cipher, keymat[..keyLength]);
        _salt = BinaryPrimitives.ReadUInt32BigEndian(keymat[keyLength..]);
        _window = config.Direction == EspDirection.Inbound && config.ReplayWindowSize > 0 ? new ReplayWindow(config.ReplayWindowSize) : null;
        _lifetime = config.Lifetime;
        _time = time ?? TimeProvider.System;
        _created = _time.GetTimestamp();
        _softTicks = ToTicks(_lifetime.SoftTime, _time);
        _hardTicks = ToTicks(_lifetime.HardTime, _time);
        _observer = observer;
    }

    /// <summary>The configuration this SA was made from (its key material is the caller's copy).</summary>
    public EspSaConfig Config { get; }

    /// <summary>The SPI.</summary>
    public uint Spi { get; }

    /// <summary>Inbound or outbound.</summary>
    public EspDirection Direction { get; }

    /// <summary>Tunnel or transport.</summary>
    public EspMode Mode { get; }

    /// <summary>The AEAD implementation in use (for diagnostics).</summary>
    public string CipherName => _aead.Name;

    /// <summary>Packets sealed or opened successfully.</summary>
    public long Packets => Volatile.Read(ref _packets);

    /// <summary>Payload bytes sealed or opened successfully.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The last sequence number used (outbound) or the top of the replay window (inbound).</summary>
    public ulong LastSequence => Direction == EspDirection.Outbound ? Volatile.Read(ref _sequence) : _window?.Top ?? 0;

    /// <summary>True once a hard limit has been reached or the SA was disposed.</summary>
    public bool IsExpired => _disposed || Volatile.Read(ref _hardFired) != 0;

    /// <summary>True once a soft limit has been reached.</summary>
    public bool IsSoftExpired => Volatile.Read(ref _softFired) != 0;

    /// <summary>How many packets were dropped for <paramref name="reason"/>.</summary>
    public long GetDropCount(EspStatus reason) => (uint)reason < StatusCount ? Volatile.Read(ref _drops[(int)reason]) : 0;

    /// <summary>KEYMAT bytes <paramref name="cipher"/> takes without the salt.</summary>
    public static int KeyLength(EspCipher cipher) => cipher switch
    {
        EspCipher.AesGcm128 => 16,
        EspCipher.AesGcm256 => 32,
        EspCipher.ChaCha20Poly1305 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher)),
    };

    /// <summary>
    /// Bytes <see cref="Seal"/> needs after a payload of <paramref name="payloadLength"/> bytes (TFC padding, padding,
    /// Pad Length, Next Header, ICV).
    /// </summary>
    public int TrailerSize(int payloadLength)
    {
        int padded = Math.Max(payloadLength, TfcTarget);
        return padded - payloadLength + PadLength(padded) + 2 + IcvSize;
    }

    private int TfcTarget => Mode == EspMode.Tunnel ? Config.TfcPadTo : 0;

    /// <summary>
    /// Seals the payload at <paramref name="payloadOffset"/> in place: writes the ESP header and IV into the
    /// <see cref="PayloadOffset"/> bytes in front of it, and TFC padding, padding, trailer and ICV behind it.
    /// </summary>
    /// <param name="buffer">The packet buffer, with headroom and tailroom.</param>
    /// <param name="payloadOffset">Where the payload starts; at least <see cref="PayloadOffset"/>.</param>
    /// <param name="payloadLength">Payload bytes.</param>
    /// <param name="nextHeader">The payload's protocol: 4 or 41 in tunnel mode, the transport protocol otherwise, 59 for a dummy.</param>
    /// <param name="espOffset">Where the ESP packet starts (payloadOffset − 16).</param>
    /// <param name="espLength">The ESP packet's length, SPI through ICV.</param>
    public EspStatus Seal(Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int espOffset, out int espLength)
    {
        espOffset = 0;
        espLength = 0;
        if (Direction != EspDirection.Outbound)
        {
            return Drop(EspStatus.WrongDirection);
        }

        if (_disposed)
        {
            return Drop(EspStatus.SaDisposed);
        }

        if (Volatile.Read(ref _hardFired) != 0)
        {
            return Drop(EspStatus.HardLifetimeExpired);
        }

        if (payloadOffset < PayloadOffset || payloadLength < 0 || payloadOffset > buffer.Length - payloadLength)
        {
            return Drop(EspStatus.NoBufferSpace);
        }

        int padded = Math.Max(payloadLength, TfcTarget);
        int padLength = PadLength(padded);
        int encryptedLength = padded + padLength + 2;
        if ((long)payloadOffset + encryptedLength + IcvSize > buffer.Length)
        {
            return Drop(EspStatus.NoBufferSpace);
        }

        // RFC 4303 3.3.3: the counter never cycles; without ESN it stops at 2^32 - 1. The number is claimed with a
        // compare-and-swap so that no thread ever takes one past the limit, not even transiently.
        ulong limit = _esn ? ulong.MaxValue : uint.MaxValue;
        ulong seq;
        ulong current = Volatile.Read(ref _sequence);
        while (true)
        {
            if (current >= limit)
            {
                Fire(EspLifetimeEvent.Hard);
                return Drop(EspStatus.SequenceExhausted);
            }

            ulong seen = Interlocked.CompareExchange(ref _sequence, current + 1, current);
            if (seen == current)
            {
                seq = current + 1;
                break;
            }

            current = seen;
        }

        EspStatus lifetime = Account(payloadLength);
        if (lifetime != EspStatus.Ok)
        {
            return Drop(lifetime);
        }

        if (seq >= limit - (limit >> 4))
        {
            Fire(EspLifetimeEvent.Soft);
        }

        int start = payloadOffset - PayloadOffset;
        Span<byte> esp = buffer.Slice(start, PayloadOffset + encryptedLength + IcvSize);
        BinaryPrimitives.WriteUInt32BigEndian(esp[SpiOffset..], Spi);
        BinaryPrimitives.WriteUInt32BigEndian(esp[SeqOffset..], (uint)seq);
        BinaryPrimitives.WriteUInt64BigEndian(esp[IvOffset..], seq);   // RFC 4106 3.1: a counter is a fine IV

        Span<byte> trailer = esp.Slice(PayloadOffset + payloadLength, encryptedLength - payloadLength);
        trailer[..(padded - payloadLength)].Clear();                    // RFC 4303 2.7: TFC padding, zero bytes
        Span<byte> pad = trailer.Slice(padded - payloadLength, padLength);
        for (int i = 0; i < pad.Length; i++)
        {
            pad[i] = (byte)(i + 1);                                     // RFC 4303 2.4: 1, 2, 3, ...
        }

        trailer[^2] = (byte)padLength;
        trailer[^1] = nextHeader;

        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        Span<byte> aad = stackalloc byte[12];
        int aadLength = BuildAad(aad, seq);
        BuildNonce(nonce, esp.Slice(IvOffset, IvSize));
        _aead.Seal(nonce, aad[..aadLength], esp.Slice(PayloadOffset, encryptedLength), esp.Slice(PayloadOffset + encryptedLength, IcvSize));

        espOffset = start;
        espLength = esp.Length;
        return EspStatus.Ok;
    }

    /// <summary>
    /// Opens the ESP packet at <paramref name="espOffset"/> in place: replay check, ICV check and decryption, replay
    /// commit, padding check. On success the payload lies at <paramref name="payloadOffset"/>.
    /// </summary>
    public EspStatus Open(Span<byte> buffer, int espOffset, int espLength, out int payloadOffset, out int payloadLength, out byte nextHeader)
    {
        payloadOffset = 0;
        payloadLength = 0;
        nextHeader = 0;
        if (Direction != EspDirection.Inbound)
        {
            return Drop(EspStatus.WrongDirection);
        }

        if (_disposed)
        {
            return Drop(EspStatus.SaDisposed);
        }

        if (Volatile.Read(ref _hardFired) != 0)
        {
            return Drop(EspStatus.HardLifetimeExpired);
        }

        if (espOffset < 0 || espLength < MinPacketSize || (uint)espOffset + (uint)espLength > (uint)buffer.Length)
        {
            return Drop(EspStatus.Truncated);
        }

        Span<byte> esp = buffer.Slice(espOffset, espLength);
        int encryptedLength = espLength - PayloadOffset - IcvSize;
        if ((encryptedLength & 3) != 0)
        {
            return Drop(EspStatus.Malformed);
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(esp[SpiOffset..]) != Spi)
        {
            return Drop(EspStatus.UnknownSpi);
        }

        // RFC 4303 3.4.3: the replay check comes before the ICV check, the window moves only after it.
        uint low = BinaryPrimitives.ReadUInt32BigEndian(esp[SeqOffset..]);
        ulong seq = low;
        if (_window is not null)
        {
            if (_esn && !_window.TryInferEsn(low, out seq))
            {
                return Drop(EspStatus.Replay);
            }

            if (!_window.TryCheck(seq))
            {
                return Drop(EspStatus.Replay);
            }
        }

        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        Span<byte> aad = stackalloc byte[12];
        int aadLength = BuildAad(aad, seq);
        BuildNonce(nonce, esp.Slice(IvOffset, IvSize));
        Span<byte> encrypted = esp.Slice(PayloadOffset, encryptedLength);
        if (!_aead.Open(nonce, aad[..aadLength], encrypted, esp.Slice(PayloadOffset + encryptedLength, IcvSize)))
        {
            return Drop(EspStatus.IcvFailure);
        }

        if (_window is not null && !_window.TryCommit(seq))
        {
            return Drop(EspStatus.Replay);
        }

        int padLength = encrypted[^2];
        byte next = encrypted[^1];
        int length = encryptedLength - 2 - padLength;
        if (length < 0 || !PaddingIsMonotonic(encrypted.Slice(length, padLength)))
        {
            return Drop(EspStatus.BadPadding);
        }

        EspStatus lifetime = Account(length);
        if (lifetime != EspStatus.Ok)
        {
            return Drop(lifetime);
        }

        if (next == NoNextHeader)
        {
            // RFC 4303 2.6: a dummy packet, authenticated and then discarded silently.
            return Drop(EspStatus.DummyPacket);
        }

        payloadOffset = espOffset + PayloadOffset;
        payloadLength = length;
        nextHeader = next;
        return EspStatus.Ok;
    }

    /// <summary>
    /// Checks the time lifetimes without a packet: the IKE layer calls this from a timer so an idle SA still reports
    /// its soft and hard expiry. Returns true while the SA is usable.
    /// </summary>
    public bool PollLifetime()
    {
        if (_disposed)
        {
            return false;
        }

        CheckTime();
        return Volatile.Read(ref _hardFired) == 0;
    }

    /// <summary>Zeroes the key schedule and salt; the SA then drops every packet with <see cref="EspStatus.SaDisposed"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _aead.Dispose();
        _salt = 0;
    }

    /// <summary>Counts a drop for which the caller (a table or packet parser) holds this SA.</summary>
    internal EspStatus Drop(EspStatus reason)
    {
        Debug.Assert(reason != EspStatus.Ok);
        Interlocked.Increment(ref _drops[(int)reason]);
        return reason;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PadLength(int length) => (4 - ((length + 2) & 3)) & 3;

    private static bool PaddingIsMonotonic(ReadOnlySpan<byte> pad)
    {
        int bad = 0;
        for (int i = 0; i < pad.Length; i++)
        {
            bad |= pad[i] ^ (i + 1);
        }

        return bad == 0;
    }

    // RFC 4106 5 / RFC 7634 2.1: SPI || Sequence Number, or SPI || high 32 bits || low 32 bits with ESN.
    private int BuildAad(Span<byte> aad, ulong seq)
    {
        BinaryPrimitives.WriteUInt32BigEndian(aad, Spi);
        if (_esn)
        {
            BinaryPrimitives.WriteUInt64BigEndian(aad[4..], seq);
            return 12;
        }

        BinaryPrimitives.WriteUInt32BigEndian(aad[4..], (uint)seq);
        return 8;
    }

    // RFC 4106 4 / RFC 7634 2: nonce = salt || IV.
    private void BuildNonce(Span<byte> nonce, ReadOnlySpan<byte> iv)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _salt);
        iv.CopyTo(nonce[SaltSize..]);
    }

    private EspStatus Account(int payloadLength)
    {
        ulong packets = (ulong)Interlocked.Increment(ref _packets);
        ulong bytes = (ulong)Interlocked.Add(ref _bytes, payloadLength);
        EspLifetime l = _lifetime;
        if ((l.HardPackets != 0 && packets > l.HardPackets) || (l.HardBytes != 0 && bytes > l.HardBytes))
        {
            Interlocked.Decrement(ref _packets);
            Interlocked.Add(ref _bytes, -payloadLength);
            Fire(EspLifetimeEvent.Hard);
            return EspStatus.HardLifetimeExpired;
        }

        if ((l.SoftPackets != 0 && packets >= l.SoftPackets) || (l.SoftBytes != 0 && bytes >= l.SoftBytes))
        {
            Fire(EspLifetimeEvent.Soft);
        }

        if ((_softTicks | _hardTicks) != 0 && !CheckTime())
        {
            Interlocked.Decrement(ref _packets);
            Interlocked.Add(ref _bytes, -payloadLength);
            return EspStatus.HardLifetimeExpired;
        }

        return EspStatus.Ok;
    }

    /// <summary>Fires time events; false once the hard time has passed.</summary>
    private bool CheckTime()
    {
        long age = _time.GetTimestamp() - _created;
        if (_hardTicks != 0 && age >= _hardTicks)
        {
            Fire(EspLifetimeEvent.Hard);
            return false;
        }

        if (_softTicks != 0 && age >= _softTicks)
        {
            Fire(EspLifetimeEvent.Soft);
        }

        return true;
    }

    private void Fire(EspLifetimeEvent lifetimeEvent)
    {
        ref int flag = ref lifetimeEvent == EspLifetimeEvent.Hard ? ref _hardFired : ref _softFired;
        if (Interlocked.Exchange(ref flag, 1) == 0)
        {
            if (lifetimeEvent == EspLifetimeEvent.Hard && Interlocked.Exchange(ref _softFired, 1) == 0)
            {
                _observer?.OnLifetime(this, EspLifetimeEvent.Soft);
            }

            _observer?.OnLifetime(this, lifetimeEvent);
        }
    }

    private static long ToTicks(TimeSpan span, TimeProvider time) =>
        span <= TimeSpan.Zero ? 0 : (long)(span.TotalSeconds * time.TimestampFrequency);

    /// <summary>For tests: the SA's key material (AEAD key schedule and salt) is all zero.</summary>
    internal bool KeyMaterialIsZeroedForTesting => _salt == 0 && _aead.KeyMaterialIsZeroed();

    /// <summary>Tests start the outbound counter near its end to reach exhaustion without 2^32 packets.</summary>
    internal void SetLastSequenceForTesting(ulong last) => Volatile.Write(ref _sequence, last);

    /// <summary>The next IPv4 Identification value for an outer header this SA builds.</summary>
    internal ushort NextIpId() => (ushort)Interlocked.Increment(ref _ipId);

    /// <summary>Zeroes a key buffer the caller owns (helper for callers building KEYMAT).</summary>
    public static void ZeroKeyMaterial(Span<byte> keyMaterial) => CryptographicOperations.ZeroMemory(keyMaterial);
}
