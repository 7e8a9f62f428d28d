using System.Security.Cryptography;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Fragmentation;

/// <summary>
/// Reassembles one fragmented IKE message from its Encrypted Fragment messages (RFC 7383 2.6). Each fragment's ICV is
/// verified and its content decrypted before it is kept; fragments of another message ID or exchange replace what is
/// kept (the old message is abandoned); a Total Fragments greater than the kept one means the sender fragmented again
/// (smaller) and replaces what is kept, a smaller one means an older fragmentation and the fragment is ignored;
/// duplicates are ignored. Bounded in fragments, in bytes and in time. Once all fragments are in, the content is
/// decoded exactly as a whole SK payload's is. One instance per direction of traffic (requests, responses) of an IKE
/// SA; not thread-safe. Hostile input gives a typed <see cref="FragmentError"/>, never an exception.
/// </summary>
public sealed class FragmentReassembler
{
    /// <summary>Default bound on Total Fragments.</summary>
    public const int DefaultMaxFragments = 64;

    /// <summary>Default bound on the decrypted content kept.</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    // Allocated on the first fragment kept: most IKE SAs never receive a fragmented message, and two reassemblers per
    // SA with 64 slots each are 1 KB per SA (docs/performance.md, "Memory with 1,000 SAs").
    private byte[]?[]? _pieces;
    private IkeMessage? _first;
    private IkeHeader _header;
    private int _total;
    private int _count;
    private int _bytes;
    private DateTimeOffset _started;

    /// <summary>A reassembler with the given bounds.</summary>
    /// <param name="maxFragments">The most fragments a message may have (RFC 7383 leaves the bound to the receiver).</param>
    /// <param name="maxBytes">The most decrypted bytes kept for one message.</param>
    /// <param name="timeout">How long a partial message is kept after its first fragment arrived.</param>
    public FragmentReassembler(int maxFragments = DefaultMaxFragments, int maxBytes = DefaultMaxBytes, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFragments, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFragments, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxFragments = maxFragments;
        MaxBytes = maxBytes;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>The bound on Total Fragments.</summary>
    public int MaxFragments { get; }

    /// <summary>The bound on decrypted bytes kept.</summary>
    public int MaxBytes { get; }

    /// <summary>How long a partial message is kept.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Fragments kept for the message being reassembled.</summary>
    public int Count => _count;

    /// <summary>The message ID being reassembled, or null when nothing is kept.</summary>
    public uint? MessageId => _count == 0 ? null : _header.MessageId;

    /// <summary>True when <paramref name="message"/> is a fragment: its last (and, in a valid one, only) payload is SKF.</summary>
    public static bool IsFragment(IkeMessage message) =>
        message is not null && message.Payloads.Count > 0 && message.Payloads[^1] is EncryptedFragmentPayload;

    /// <summary>
    /// Verifies and decrypts one fragment with <paramref name="protector"/> (the receiving direction's keys) and keeps
    /// it. <paramref name="outer"/> must be the decoding of <paramref name="datagram"/>. On
    /// <see cref="FragmentStatus.Complete"/>, <paramref name="message"/> is the whole message: the outer message of
    /// fragment 1 and the decoded inner chain.
    /// </summary>
    public FragmentStatus Submit(SkProtector protector, ReadOnlySpan<byte> datagram, IkeMessage outer, DateTimeOffset now,
        out DecryptedMessage? message, out FragmentError error)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(outer);
        message = null;
        if (_count > 0 && now - _started > Timeout)
        {
            Reset();
        }

        // RFC 7383 2.5: SKF is the only payload (unprotected payloads before it are not allowed in IKEv2 fragments we accept).
        if (outer.Payloads.Count != 1 || outer.Payloads[0] is not EncryptedFragmentPayload skf)
        {
            return Reject(FragmentError.NotFragment, out error);
        }

        if (skf.FragmentNumber == 0 || skf.FragmentNumber > skf.TotalFragments)
        {
            return Reject(FragmentError.BadFragmentNumber, out error);
        }

        if (skf.TotalFragments > MaxFragments)
        {
            return Reject(FragmentError.TooManyFragments, out error);
        }

        int bodyOffset = datagram.Length - skf.Data.Length;
        if (outer.Header.Length != (uint)datagram.Length || bodyOffset < IkeHeader.Size + GenericPayloadHeader.Size + EncryptedFragmentPayload.DataOffset
            || !datagram[bodyOffset..].SequenceEqual(skf.Data))
        {
            return Reject(FragmentError.MalformedMessage, out error);
        }

        // RFC 7383 2.6: the ICV first; an unauthenticated fragment must not disturb what is kept.
        if (!protector.TryOpen(datagram, bodyOffset, out byte[] piece, out _))
        {
            return Reject(FragmentError.IntegrityFailure, out error);
        }

        IkeHeader h = outer.Header;
        if (_count > 0 && (h.MessageId != _header.MessageId || h.ExchangeType != _header.ExchangeType || h.Flags != _header.Flags))
        {
            // Another message: the one kept will not be completed (its ID is no longer expected by the caller).
            Reset();
        }

        if (_count > 0 && skf.TotalFragments < _total)
        {
            CryptographicOperations.ZeroMemory(piece);
            return Reject(FragmentError.StaleTotal, out error);
        }

        if (_count > 0 && skf.TotalFragments > _total)
        {
            Reset();
        }

        int index = skf.FragmentNumber - 1;
        _pieces ??= new byte[MaxFragments][];
        if (_count > 0 && _pieces[index] is not null)
        {
            CryptographicOperations.ZeroMemory(piece);
            return Reject(FragmentError.Duplicate, out error);
        }

        if ((long)_bytes + piece.Length > MaxBytes)
        {
            CryptographicOperations.ZeroMemory(piece);
            Reset();
            return Reject(FragmentError.TooLarge, out error);
        }

        if (_count == 0)
        {
            _header = h;
            _total = skf.TotalFragments;
            _started = now;
        }

        _pieces[index] = piece;
        _bytes += piece.Length;
        _count++;
        if (index == 0)
        {
            _first = outer;
        }

        if (_count < _total)
        {
            error = FragmentError.None;
            return FragmentStatus.Kept;
        }

        return Complete(out message, out error);
    }

    /// <summary>Discards everything kept (the content is zeroed).</summary>
    public void Reset()
    {
        byte[]?[] pieces = _pieces ?? [];
        for (int i = 0; i < pieces.Length; i++)
        {
            if (pieces[i] is { } p)
            {
                CryptographicOperations.ZeroMemory(p);
                pieces[i] = null;
            }
        }

        _first = null;
        _total = 0;
        _count = 0;
        _bytes = 0;
    }

    private static FragmentStatus Reject(FragmentError reason, out FragmentError error)
    {
        error = reason;
        return FragmentStatus.Rejected;
    }

    private FragmentStatus Complete(out DecryptedMessage? message, out FragmentError error)
    {
        message = null;
        IkeMessage first = _first!;
        byte[] chain = new byte[_bytes];
        int offset = 0;
        for (int i = 0; i < _total; i++)
        {
            byte[] p = _pieces![i]!;
            p.CopyTo(chain, offset);
            offset += p.Length;
        }

        Reset();
        try
        {
            // The reassembled content is decoded as that of SK would be (RFC 7383 2.6, RFC 7296 3.14).
            PayloadType firstType = first.Payloads[0].InnerFirstPayload ?? PayloadType.None;
            if (!PayloadDecoder.TryDecodeChain(chain, firstType, 0, out List<IkePayload> inner, out _)
                || inner.Any(p => p.Type is PayloadType.Encrypted or PayloadType.EncryptedFragment))
            {
                return Reject(FragmentError.MalformedInnerPayloads, out error);
            }

            message = new DecryptedMessage(first, inner);
            error = FragmentError.None;
            return FragmentStatus.Complete;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chain);
        }
    }
}
