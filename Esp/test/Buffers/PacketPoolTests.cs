using IpsecFw.Esp.Buffers;

namespace IpsecFw.Esp.Tests.Buffers;

public sealed class PacketPoolTests
{
    [Fact]
    public void Pool_is_bounded_and_renting_allocates_nothing()
    {
        var pool = new PacketPool(4, 1500);
        var rented = new List<PacketBuffer>();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(pool.TryRent(out PacketBuffer? b));
            Assert.Equal(PacketBuffer.Headroom, b!.Offset);
            Assert.True(b.Bytes.Length >= PacketBuffer.Headroom + 1500 + PacketBuffer.Tailroom);
            rented.Add(b);
        }

        Assert.False(pool.TryRent(out _));
        rented.ForEach(pool.Return);
        Assert.Throws<InvalidOperationException>(() => pool.Return(rented[0]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            pool.TryRent(out PacketBuffer? b);
            b!.Length = 100;
            pool.Return(b);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
