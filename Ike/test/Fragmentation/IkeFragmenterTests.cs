using System.Buffers.Binary;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Fragmentation;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Crypto;

namespace IpsecFw.Ike.Tests.Fragmentation;

/// <summary>RFC 7383 2.5: fragments of every suite and many sizes fit, carry the right fields and reassemble to the original chain.</summary>
public sealed class IkeFragmenterTests
{
    public static TheoryData<string> Suites() => SkTestSupport.Names();

    [Theory]
    [MemberData(nameof(Suites))]
    public void Round_trip_at_many_sizes_and_mtus(string suite)
    {
        using var kit = new FragmentKit(suite);
        var reassembler = new FragmentReassembler(maxFragments: 4096, maxBytes: 1 << 20);
        int cases = 0;
        foreach ((string name, List<IkePayload> inner) in SkTestSupport.InnerChains())
        {
            byte[] chain = SkTestSupport.EncodeChain(inner);
            foreach (int max in new[] { 110, 150, 256, 301, 548, 1000, 1252, 9000 })
            {
                IReadOnlyList<byte[]> fragments = kit.Fragment(inner, max);
                int room = IkeFragmenter.MaxContentPerFragment(kit.Suite, max);
                Assert.Equal(Math.Max(1, (chain.Length + room - 1) / room), fragments.Count);
                DecryptedMessage? whole = null;
                for (int i = 0; i < fragments.Count; i++)
                {
                    byte[] f = fragments[i];
                    Assert.True(f.Length <= max, $"{name} at {max}: fragment {i + 1} is {f.Length} bytes");
                    Assert.True(IkeMessage.TryDecode(f, out IkeMessage m, out _));
                    Assert.Equal(PayloadType.EncryptedFragment, m.Header.NextPayload);
                    Assert.Equal(1u, m.Header.MessageId);
                    EncryptedFragmentPayload skf = Assert.IsType<EncryptedFragmentPayload>(Assert.Single(m.Payloads));
                    Assert.Equal(i + 1, skf.FragmentNumber);
                    Assert.Equal(fragments.Count, skf.TotalFragments);
                    Assert.Equal(i == 0 && inner.Count > 0 ? inner[0].Type : PayloadType.None, skf.InnerFirstPayload);
                    FragmentStatus status = kit.Submit(reassembler, f, out whole, out FragmentError error);
                    Assert.Equal(i == fragments.Count - 1 ? FragmentStatus.Complete : FragmentStatus.Kept, status);
                    Assert.Equal(FragmentError.None, error);
                }

                Assert.NotNull(whole);
                Assert.Equal(chain, SkTestSupport.EncodeChain(whole.Inner));
                Assert.Equal(0, reassembler.Count);
                cases++;
            }
        }

        Assert.True(cases > 100);
    }

    [Theory]
    [InlineData(576, "198.18.0.2", 500, 548)]
    [InlineData(576, "198.18.0.2", 4500, 544)]
    [InlineData(0, "198.18.0.2", 4500, 544)]
    [InlineData(0, "2001:2::2", 500, 1232)]
    [InlineData(1280, "2001:2::2", 4500, 1228)]
    [InlineData(1280, "::ffff:198.18.0.2", 500, 1252)]
    public void Message_length_leaves_room_for_ip_udp_and_the_non_esp_marker(int mtu, string remote, int port, int expected)
    {
        var peer = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(remote), port);
        Assert.Equal(expected, FragmentSizing.MaxMessageLength(mtu, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("198.18.0.1"), port), peer));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Fragment_fields_are_covered_by_the_icv(string suite)
    {
        using var kit = new FragmentKit(suite);
        IReadOnlyList<byte[]> fragments = kit.Fragment(FragmentKit.Inner(600), 300);
        Assert.True(fragments.Count >= 3);
        int fieldsOffset = IkeHeader.Size + GenericPayloadHeader.Size;

        // Renumbering fragment 2 as 3, or changing its total, must break its ICV (RFC 7383 2.5: the fields are authenticated).
        foreach (int delta in new[] { 0, 2 })
        {
            byte[] f = (byte[])fragments[1].Clone();
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(fieldsOffset + delta), 3);
            var r = new FragmentReassembler();
            Assert.Equal(FragmentStatus.Rejected, kit.Submit(r, f, out _, out FragmentError error));
            Assert.Equal(FragmentError.IntegrityFailure, error);
        }
    }

    [Fact]
    public void A_tiny_mtu_is_a_typed_failure()
    {
        using var kit = new FragmentKit();
        Assert.False(IkeFragmenter.TryFragment(kit.Sender, FragmentKit.Header(), FragmentKit.Inner(10), 60, out _, out FragmentError error));
        Assert.Equal(FragmentError.MtuTooSmall, error);
        Assert.True(IkeFragmenter.MaxContentPerFragment(kit.Suite, -5) <= 0);
    }

    [Fact]
    public void Each_fragment_has_its_own_iv()
    {
        using var kit = new FragmentKit("aes256-sha256");
        IReadOnlyList<byte[]> fragments = kit.Fragment(FragmentKit.Inner(2000), 400);
        int ivOffset = IkeHeader.Size + GenericPayloadHeader.Size + EncryptedFragmentPayload.DataOffset;
        Assert.Equal(fragments.Count, fragments.Select(f => Convert.ToHexString(f, ivOffset, kit.Suite.IvLength)).Distinct().Count());
    }
}
