using System.Buffers.Binary;

namespace IpsecFw.Fuzz;

/// <summary>
/// Splits one fuzz input into fields: single bytes, big-endian 16-bit numbers and length-prefixed blocks. Reading
/// past the end yields zeros and empty blocks, so every input means something and the targets stay simple.
/// </summary>
internal ref struct InputReader(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly ReadOnlySpan<byte> Rest => _rest;

    public byte Byte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }

        byte b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    public ushort UInt16()
    {
        if (_rest.Length < 2)
        {
            _rest = default;
            return 0;
        }

        ushort value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
        _rest = _rest[2..];
        return value;
    }

    /// <summary>A block with a 16-bit length in front; a length beyond the input takes what is left.</summary>
    public ReadOnlySpan<byte> Block16()
    {
        int length = UInt16();
        return Take(length);
    }

    /// <summary>A block with an 8-bit length in front.</summary>
    public ReadOnlySpan<byte> Block8()
    {
        int length = Byte();
        return Take(length);
    }

    public ReadOnlySpan<byte> Take(int length)
    {
        length = Math.Min(length, _rest.Length);
        ReadOnlySpan<byte> block = _rest[..length];
        _rest = _rest[length..];
        return block;
    }
}

/// <summary>Builds inputs in the format <see cref="InputReader"/> reads (for the seeds).</summary>
internal sealed class InputWriter
{
    private readonly MemoryStream _stream = new();

    public InputWriter Byte(int value)
    {
        _stream.WriteByte((byte)value);
        return this;
    }

    public InputWriter UInt16(int value)
    {
        _stream.WriteByte((byte)(value >> 8));
        _stream.WriteByte((byte)value);
        return this;
    }

    public InputWriter Block16(ReadOnlySpan<byte> block)
    {
        UInt16(block.Length);
        _stream.Write(block);
        return this;
    }

    public InputWriter Block8(ReadOnlySpan<byte> block)
    {
        Byte(block.Length);
        _stream.Write(block);
        return this;
    }

    public InputWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _stream.ToArray();
}
