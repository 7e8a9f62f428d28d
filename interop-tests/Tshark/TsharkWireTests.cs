using System.Globalization;
using System.Net.Sockets;
using IpsecFw.Esp;

namespace IpsecFw.InteropTests.Tshark;

/// <summary>
/// Our ESP packets on a real veth between two network namespaces, captured and then dissected and decrypted by tshark
/// (Wireshark's ESP dissector with its own libgcrypt AES-GCM and its own ICV check).
/// </summary>
[Trait("Category", "Interop")]
public sealed class TsharkWireTests(TsharkWireFixture fixture) : IClassFixture<TsharkWireFixture>
{
    /// <summary>Every wire case.</summary>
    public static TheoryData<string> Cases => new(WireCase.All.Select(c => c.Name));

    [Fact]
    public void Tshark_captured_every_frame_we_sent_as_esp()
    {
        Ready();
        Assert.NotEmpty(fixture.Sent);
        Assert.True(fixture.Captured.Count == fixture.Sent.Count,
            $"tshark captured {fixture.Captured.Count} of the {fixture.Sent.Count} frames sent over the veth");
        var spis = WireCase.All.Select(c => $"0x{c.Spi:x8}").ToHashSet();
        Assert.All(fixture.Captured, f =>
        {
            Assert.True(spis.Contains(f.Spi), $"frame {f.Number}: SPI '{f.Spi}' is not one of ours (not dissected as ESP?)");
            Assert.True(f.Malformed.Length == 0, $"frame {f.Number}: tshark says malformed: {f.Malformed}");
        });
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{fixture.TsharkVersion}: {fixture.Sent.Count} frames in {WireCase.All.Count} SAs captured on the veth; " +
            $"wire test {fixture.Elapsed.TotalSeconds:F1}s ({string.Join(", ", fixture.Stages)}); files in {fixture.WorkDir}; tshark read options: {string.Join(' ', fixture.ReadOptions.Select(o => o.Contains(' ', StringComparison.Ordinal) ? $"'{o}'" : o))}");
    }

    /// <summary>
    /// Every frame of the SA is dissected as ESP with our SPI and sequence number; tshark decrypts it with the key
    /// alone (RFC 4106: nonce = salt || the IV on the wire) to exactly our payload, RFC 4303 2.4 padding 1, 2, 3, ...,
    /// Pad Length and Next Header, and verifies the ICV with AAD = SPI || sequence number. With ESN, Wireshark 4.0's
    /// dissector knows no high word, so it still decrypts (GCM's keystream does not depend on the AAD) but must find
    /// the ICV bad: our ICV covers SPI || seq_hi || seq_lo (RFC 4106 5, RFC 4303 2.2.1), and the high word is not 0.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Tshark_dissects_and_decrypts_our_packets(string name)
    {
        Ready();
        WireCase c = WireCase.All.Single(x => x.Name == name);
        var sent = fixture.Sent.Where(f => f.Case == c).ToList();
        Assert.NotEmpty(sent);
        string spi = $"0x{c.Spi:x8}";
        var captured = fixture.Captured.Where(f => f.Spi == spi).ToList();
        Assert.True(captured.Count == sent.Count, $"{name}: tshark saw {captured.Count} of {sent.Count} frames with SPI {spi}");
        for (int i = 0; i < sent.Count; i++)
        {
            WireFrame s = sent[i];
            TsharkFrame t = captured[i];
            string at = $"{name} frame {t.Number} (seq 0x{s.Sequence:x}, {s.Clear.Kind} {s.Clear.Bytes.Length} bytes)";
            Assert.Equal(((uint)s.Sequence).ToString(CultureInfo.InvariantCulture), t.Sequence);
            // The outer header names ESP (50) or UDP (17); in the UDP case the first UDP header is 4500 -> 4500.
            string outerProtocol = (c.Family == AddressFamily.InterNetwork ? t.IpProtocols : t.Ipv6NextHeaders).Split(',')[0];
            Assert.Equal(c.Udp ? "17" : "50", outerProtocol);
            if (c.Udp)
            {
                Assert.Equal("4500", t.UdpSrcPort.Split(',')[0]);
                Assert.Equal("4500", t.UdpDstPort.Split(',')[0]);

                // Checksum status 1 = good, 3 = not present: IPv4 may send zero (RFC 3948 2.1), IPv6 must not (RFC 8200 8.1).
                string udpChecksum = t.UdpChecksumStatus.Split(',')[0];
                Assert.True(c.Family == AddressFamily.InterNetwork ? udpChecksum is "1" or "3" : udpChecksum == "1", $"{at}: outer UDP checksum status {udpChecksum}");
            }

            if (c.Family == AddressFamily.InterNetwork)
            {
                Assert.Equal("1", t.IpChecksumStatus.Split(',')[0]);
            }

            if (!c.TsharkDecrypts)
            {
                Assert.True(t.Decrypted is null, $"{at}: tshark cannot know this key, yet showed decrypted data");
                continue;
            }

            Assert.True(t.Decrypted is not null, $"{at}: tshark showed no decrypted data (expert: {t.Expert})");
            byte[] d = t.Decrypted!;
            byte[] payload = c.Mode == EspMode.Tunnel ? s.Clear.Bytes : s.Clear.Bytes[s.Clear.InsertionOffset..];
            int nextHeader = c.Mode == EspMode.Transport ? s.Clear.ProtocolAtInsertion : c.Family == AddressFamily.InterNetwork ? 4 : 41;
            Assert.True(d.Length >= payload.Length + 2, $"{at}: decrypted data is {d.Length} bytes, the payload alone {payload.Length}");
            Assert.Equal(Convert.ToHexStringLower(payload), Convert.ToHexStringLower(d[..payload.Length]));
            int padLength = d[^2];
            Assert.Equal(payload.Length + padLength + 2, d.Length);
            Assert.Equal(0, d.Length % 4);
            for (int p = 0; p < padLength; p++)
            {
                Assert.Equal(p + 1, d[payload.Length + p]);
            }

            Assert.Equal(nextHeader, d[^1]);
            Assert.Equal(padLength.ToString(CultureInfo.InvariantCulture), t.PadLength);
            Assert.Equal($"0x{nextHeader:x2}", t.NextHeader);
            if (c.Mode == EspMode.Tunnel && c.Family == AddressFamily.InterNetwork)
            {
                // tshark dissected the decrypted inner packet too: outer then inner source.
                Assert.Equal($"{c.Local},{c.InnerLocal}", t.IpSources);
            }
            else if (c.Mode == EspMode.Tunnel)
            {
                Assert.Equal($"{c.Local},{c.InnerLocal}", t.Ipv6Sources);
            }

            if (c.Esn)
            {
                Assert.True(t.IcvBad == "1" && t.IcvGood != "1", $"{at}: expected tshark (no ESN) to reject the ESN ICV; good={t.IcvGood} bad={t.IcvBad}");
            }
            else
            {
                Assert.True(t.IcvGood == "1" && t.IcvBad != "1", $"{at}: tshark's ICV check: good={t.IcvGood} bad={t.IcvBad}");
            }
        }

        if (c.Esn)
        {
            Assert.Contains(sent, f => f.Sequence >> 32 == 2 && (uint)f.Sequence == 0);
        }
    }

    private void Ready()
    {
        if (fixture.SkipReason is not null)
        {
            Assert.Skip(fixture.SkipReason);
        }

        Assert.True(fixture.HarnessError is null, fixture.HarnessError);
    }
}
