using System.Diagnostics.Metrics;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Packet;

public sealed class EspMetricsTests
{
    [Fact]
    public void Drops_are_exported_per_SA_and_reason_through_System_Diagnostics_Metrics()
    {
        using var meter = new Meter("IpsecFw.Esp.Test." + Guid.NewGuid().ToString("N"));
        using var table = new EspSaTable(meter);
        byte[] keymat = Convert.FromHexString("00112233445566778899aabbccddeeff01020304");
        var config = new EspSaConfig { Spi = 0x1000, Direction = EspDirection.Outbound, Cipher = EspCipher.AesGcm128, KeyMaterial = keymat };
        using var outbound = new EspSa(config);
        using var inbound = new EspSa(config with { Direction = EspDirection.Inbound });
        table.TryAdd(inbound);
        table.TryAdd(outbound);

        var buffer = new byte[200];
        Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, 16, 40, IpProtocol.Udp, out int eo, out int el));
        byte[] packet = buffer.AsSpan(eo, el).ToArray();
        Assert.Equal(EspStatus.Ok, inbound.Open(packet.ToArray(), 0, packet.Length, out _, out _, out _));
        Assert.Equal(EspStatus.Replay, inbound.Open(packet.ToArray(), 0, packet.Length, out _, out _, out _));
        byte[] forged = packet.ToArray();
        forged[^1] ^= 1;
        Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, 16, 40, IpProtocol.Udp, out eo, out el));
        byte[] second = buffer.AsSpan(eo, el).ToArray();
        second[^1] ^= 1;
        Assert.Equal(EspStatus.IcvFailure, inbound.Open(second, 0, second.Length, out _, out _, out _));
        table.Drop(EspStatus.UnknownSpi);

        var seen = new List<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            seen.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Contains(seen, m => m.Instrument == "ipsecfw.esp.drops" && m.Value == 1 && (string?)m.Tags["reason"] == "replay" && (string?)m.Tags["spi"] == "0x00001000");
        Assert.Contains(seen, m => m.Instrument == "ipsecfw.esp.drops" && m.Value == 1 && (string?)m.Tags["reason"] == "icv_failure");
        Assert.Contains(seen, m => m.Instrument == "ipsecfw.esp.drops" && m.Value == 1 && (string?)m.Tags["reason"] == "unknown_spi" && (string?)m.Tags["spi"] == "none");
        Assert.Contains(seen, m => m.Instrument == "ipsecfw.esp.packets" && m.Value == 2 && (string?)m.Tags["direction"] == "outbound");
        Assert.Contains(seen, m => m.Instrument == "ipsecfw.esp.packets" && m.Value == 1 && (string?)m.Tags["direction"] == "inbound");
        Assert.Contains(seen, m => m.Instrument == "ipsecfw.esp.bytes" && m.Value == 80 && (string?)m.Tags["direction"] == "outbound");
    }

    [Fact]
    public void Allocated_spis_are_unique_and_outside_the_reserved_range()
    {
        using var table = new EspSaTable();
        var spis = new HashSet<uint>();
        for (int i = 0; i < 1000; i++)
        {
            uint spi = table.AllocateSpi();
            Assert.True(spi > 255);
            spis.Add(spi);
        }

        Assert.True(spis.Count > 990);
    }
}
