namespace IpsecFw.Ike.Keys;

/// <summary>Takes consecutive keys out of a block of keying material, in the order the RFC lists them.</summary>
internal struct KeymatReader(byte[] keymat)
{
    private int _offset;

    /// <summary>The next <paramref name="length"/> bytes as a new array.</summary>
    public byte[] Take(int length)
    {
        byte[] key = keymat.AsSpan(_offset, length).ToArray();
        _offset += length;
        return key;
    }
}
