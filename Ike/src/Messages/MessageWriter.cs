using System.Buffers.Binary;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Messages;

/// <summary>
/// Builds an IKE message (or a bare payload chain, such as the plaintext of an SK payload) into a caller's buffer.
/// Each added payload's type goes into the previous Next Payload field (the IKE header's for the first), each Payload
/// Length is written from the body actually written, and <see cref="TryFinish"/> writes the header's Length. After an
/// SK or SKF payload nothing more may be added (RFC 7296 3.14). Once a call has failed, the writer stays failed.
/// A value type on the stack; not shareable.
/// </summary>
public ref struct MessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private int _nextPayloadFieldOffset;
    private bool _hasHeader;
    private bool _closed;
    private bool _failed;

    /// <summary>A writer over <paramref name="buffer"/>.</summary>
    public MessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _nextPayloadFieldOffset = -1;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _length;

    /// <summary>Payloads added so far.</summary>
    public int PayloadCount { get; private set; }

    /// <summary>The type of the first payload added (for a bare chain: what goes into SK's Next Payload).</summary>
    public PayloadType FirstPayload { get; private set; }

    /// <summary>Writes the IKE header first; Next Payload and Length are patched as payloads are added.</summary>
    public bool TryWriteHeader(in IkeHeader header)
    {
        if (_failed || _length != 0 || !(header with { NextPayload = PayloadType.None, Length = 0 }).TryWrite(_buffer, out int written))
        {
            return Fail();
        }

        _length = written;
        _hasHeader = true;
        _nextPayloadFieldOffset = IkeHeader.NextPayloadOffset;
        return true;
    }

    /// <summary>Appends a payload.</summary>
    public bool TryAdd(IkePayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        int start = _length;
        if (_failed || _closed || _buffer.Length - start < GenericPayloadHeader.Size)
        {
            return Fail();
        }

        Span<byte> body = _buffer[(start + GenericPayloadHeader.Size)..];
        if (!payload.TryWriteBody(body, out int bodyLength) || bodyLength > ushort.MaxValue - GenericPayloadHeader.Size)
        {
            return Fail();
        }

        var header = new GenericPayloadHeader(
            payload.InnerFirstPayload ?? PayloadType.None,
            payload.Critical,
            (ushort)(GenericPayloadHeader.Size + bodyLength));
        header.TryWrite(_buffer[start..], out _);
        if (_nextPayloadFieldOffset >= 0)
        {
            _buffer[_nextPayloadFieldOffset] = (byte)payload.Type;
        }
        else
        {
            FirstPayload = payload.Type;
        }

        if (PayloadCount == 0 && _hasHeader)
        {
            FirstPayload = payload.Type;
        }

        _nextPayloadFieldOffset = start + GenericPayloadHeader.NextPayloadOffset;
        _closed = payload.InnerFirstPayload is not null;
        _length = start + header.PayloadLength;
        PayloadCount++;
        return true;
    }

    /// <summary>Completes the message: writes the header's Length. Returns the total length.</summary>
    public bool TryFinish(out int length)
    {
        length = 0;
        if (_failed)
        {
            return false;
        }

        if (_hasHeader)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[IkeHeader.LengthOffset..], (uint)_length);
        }

        length = _length;
        return true;
    }

    private bool Fail()
    {
        _failed = true;
        return false;
    }
}
