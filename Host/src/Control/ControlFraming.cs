using System.Buffers;
using System.Buffers.Binary;

namespace IpsecFw.Host.Control;

/// <summary>
/// The control socket's framing: each request and response is a 4-byte big-endian length, then that many bytes of
/// UTF-8 JSON. A frame is 1 byte to <see cref="MaxFrameLength"/> long.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Length (big-endian)                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                     UTF-8 JSON (Length bytes)                 ~
/// </code>
/// </summary>
public static class ControlFraming
{
    /// <summary>The length prefix.</summary>
    public const int HeaderLength = sizeof(uint);

    /// <summary>The largest payload accepted (1 MiB).</summary>
    public const int MaxFrameLength = 1 << 20;

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. False with <paramref name="error"/> null when
    /// more bytes are needed; false with an error when the length field is 0 or above <see cref="MaxFrameLength"/>
    /// (the connection cannot be resynchronised and must be closed).
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload, out string? error)
    {
        payload = default;
        error = null;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is 0 or > MaxFrameLength)
        {
            error = length == 0
                ? "empty frame"
                : $"frame of {length} bytes is larger than the limit of {MaxFrameLength}";
            return false;
        }

        if (buffer.Length < HeaderLength + length)
        {
            return false;
        }

        payload = buffer.Slice(HeaderLength, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>A frame holding <paramref name="payload"/>.</summary>
    /// <exception cref="ArgumentException">The payload is empty or longer than <see cref="MaxFrameLength"/>.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length is 0 or > MaxFrameLength)
        {
            throw new ArgumentException($"a frame holds 1 to {MaxFrameLength} bytes, not {payload.Length}", nameof(payload));
        }

        var frame = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }
}
