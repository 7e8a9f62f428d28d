using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Packet;

public sealed class PacketBatchTests
{
    [Fact]
    public void A_batch_goes_out_and_comes_back_through_pooled_buffers_without_allocating()
    {
        byte[] keymat = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff01020304");
        var config = new EspSaConfig { Spi = 0x4242, Direction = EspDirection.Outbound, Cipher = EspCipher.AesGcm256, KeyMaterial = keymat };
        using var outbound = new EspSa(config);
        using var table = new EspSaTable();
        var inbound = new EspSa(config with { Direction = EspDirection.Inbound, ReplayWindowSize = 4096 });
        table.TryAdd(inbound);
        var pool = new PacketPool(16, 1500);
        var batch = new PacketBuffer[16];
        var results = new EspStatus[16];
        byte[][] inners = new byte[16][];

        for (int round = 0; round < 50; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < batch.Length; i++)
            {
                pool.TryRent(out PacketBuffer? rented);
                batch[i] = rented!;
                inners[i] ??= TestPackets.Udp4(TestPackets.V4InnerA, TestPackets.V4InnerB, 100 + 50 * i);
                inners[i].CopyTo(batch[i].Bytes, batch[i].Offset);
                batch[i].Length = inners[i].Length;
            }

            int sealedCount = PacketBatch.Seal(outbound, batch, IpProtocol.IPv4, results);
            int opened = PacketBatch.DecapsulateUdpPayloads(table, batch, results);
            int same = 0;
            for (int i = 0; i < batch.Length; i++)
            {
                same += batch[i].Packet.SequenceEqual(inners[i]) ? 1 : 0;
                pool.Return(batch[i]);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(16, sealedCount);
            Assert.Equal(16, opened);
            Assert.Equal(16, same);
            if (round > 5)
            {
                Assert.Equal(0, allocated);
            }
        }

        Assert.Equal(800, inbound.Packets);
    }
}
