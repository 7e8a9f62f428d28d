namespace IpsecFw.Tun.Offload;

/// <summary>Where <see cref="GroCoalescer"/> sends what it made: one virtio-net header and one IP packet per write.</summary>
internal interface IFrameWriter
{
    /// <summary>Writes <paramref name="header"/> then <paramref name="packet"/> as one frame; false when it was refused.</summary>
    bool WriteFrame(in VirtioNetHeader header, ReadOnlySpan<byte> packet);
}
