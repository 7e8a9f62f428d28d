using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Fragmentation;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Crypto;

namespace IpsecFw.Ike.Tests.Fragmentation;

/// <summary>RFC 7383 2.6: order, duplicates, forgeries, inconsistent totals, bounds and the timeout.</summary>
public sealed class FragmentReassemblerTests
{
    private static readonly List<IkePayload> s_inner = FragmentKit.Inner(1500);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Out_of_order_with_duplicates_completes_once(int seed)
    {
        using var kit = new FragmentKit();
        IReadOnlyList<byte[]> fragments = kit.Fragment(s_inner, 300);
        var order = fragments.Concat(fragments).ToArray();
        new Random(seed).Shuffle(order);
        var r = new FragmentReassembler();
        int complete = 0, duplicates = 0, submitted = 0;
        foreach (byte[] f in order)
        {
            submitted++;
            FragmentStatus status = kit.Submit(r, f, out DecryptedMessage? whole, out FragmentError error);
            if (status == FragmentStatus.Complete)
            {
                complete++;
                Assert.Equal(SkTestSupport.EncodeChain(s_inner), SkTestSupport.EncodeChain(whole!.Inner));
                Assert.True(whole.CheckRules().IsValid, whole.CheckRules().ToString());
            }
            else if (status == FragmentStatus.Rejected)
            {
                Assert.Equal(FragmentError.Duplicate, error);
                duplicates++;
            }

            if (complete == 1)
            {
                break;
            }
        }

        Assert.Equal(1, complete);
        Assert.Equal(0, r.Count);
        Assert.Equal(fragments.Count, submitted - duplicates); // every distinct fragment was kept once
    }

    [Fact]
    public void A_forged_fragment_is_dropped_and_the_rest_still_reassembles()
    {
        using var kit = new FragmentKit("aes256-sha256");
        IReadOnlyList<byte[]> fragments = kit.Fragment(s_inner, 300);
        var r = new FragmentReassembler();
        Assert.Equal(FragmentStatus.Kept, kit.Submit(r, fragments[0]));

        byte[] tampered = (byte[])fragments[1].Clone();
        tampered[^20] ^= 1;
        Assert.Equal(FragmentStatus.Rejected, kit.Submit(r, tampered, out _, out FragmentError error));
        Assert.Equal(FragmentError.IntegrityFailure, error);

        // Forged under other keys, with a larger Total Fragments: must not make the reassembler start over (ICV first).
        IReadOnlyList<byte[]> forged = kit.Fragment(s_inner, 200, with: kit.Forger);
        Assert.True(forged.Count > fragments.Count);
        Assert.Equal(FragmentStatus.Rejected, kit.Submit(r, forged[1], out _, out error));
        Assert.Equal(FragmentError.IntegrityFailure, error);
        Assert.Equal(1, r.Count);

        for (int i = 1; i < fragments.Count; i++)
        {
            Assert.Equal(i == fragments.Count - 1 ? FragmentStatus.Complete : FragmentStatus.Kept, kit.Submit(r, fragments[i], out DecryptedMessage? whole, out _));
            if (whole is not null)
            {
                Assert.Equal(SkTestSupport.EncodeChain(s_inner), SkTestSupport.EncodeChain(whole.Inner));
            }
        }
    }

    [Fact]
    public void A_greater_total_restarts_and_a_smaller_one_is_stale()
    {
        using var kit = new FragmentKit();
        IReadOnlyList<byte[]> large = kit.Fragment(s_inner, 600);
        IReadOnlyList<byte[]> small = kit.Fragment(s_inner, 300);
        Assert.True(small.Count > large.Count);
        var r = new FragmentReassembler();
        Assert.Equal(FragmentStatus.Kept, kit.Submit(r, large[0]));
        Assert.Equal(FragmentStatus.Kept, kit.Submit(r, large[1]));
        Assert.Equal(2, r.Count);

        // RFC 7383 2.6: the sender fragmented again, smaller; what was kept is of the older fragmentation.
        Assert.Equal(FragmentStatus.Kept, kit.Submit(r, small[0]));
        Assert.Equal(1, r.Count);
        Assert.Equal(FragmentStatus.Rejected, kit.Submit(r, large[2], out _, out FragmentError error));
        Assert.Equal(FragmentError.StaleTotal, error);

        FragmentStatus last = FragmentStatus.Rejected;
        foreach (byte[] f in small.Skip(1))
        {
            last = kit.Submit(r, f);
        }

        Assert.Equal(FragmentStatus.Complete, last);
    }

    [Fact]
    public void Another_message_id_replaces_what_is_kept()
    {
        using var kit = new FragmentKit();
        IReadOnlyList<byte[]> one = kit.Fragment(s_inner, 300, messageId: 1);
        IReadOnlyList<byte[]> two = kit.Fragment(s_inner, 300, messageId: 2);
        var r = new FragmentReassembler();
        kit.Submit(r, one[0]);
        kit.Submit(r, one[1]);
        Assert.Equal(1u, r.MessageId);
        Assert.Equal(FragmentStatus.Kept, kit.Submit(r, two[1]));
        Assert.Equal(2u, r.MessageId);
        Assert.Equal(1, r.Count);
    }

    [Fact]
    public void Too_many_fragments_are_refused()
    {
        using var kit = new FragmentKit();
        IReadOnlyList<byte[]> fragments = kit.Fragment(s_inner, 200);
        var r = new FragmentReassembler(maxFragments: fragments.Count - 1);
        Assert.Equal(FragmentStatus.Rejected, kit.Submit(r, fragments[0], out _, out FragmentError error));
        Assert.Equal(FragmentError.TooManyFragments, error);
        Assert.Equal(0, r.Count);
    }

    [Fact]
    public void Too_many_bytes_discard_everything()
    {
        using var kit = new FragmentKit();
        IReadOnlyList<byte[]> fragments = kit.Fragment(s_inner, 300);
        var r = new FragmentReassembler(maxBytes: 600);
        FragmentError error = FragmentError.None;
        foreach (byte[] f in fragments)
        {
            if (kit.Submit(r, f, out _, out error) == FragmentStatus.Rejected)
            {
                break;
            }
        }

        Assert.Equal(FragmentError.TooLarge, error);
        Assert.Equal(0, r.Count);
    }

    [Fact]
    public void A_partial_message_expires()
    {
        using var kit = new FragmentKit();
        IReadOnlyList<byte[]> fragments = kit.Fragment(s_inner, 300);
        var r = new FragmentReassembler(timeout: TimeSpan.FromSeconds(30));
        kit.Submit(r, fragments[0], FragmentKit.T0);
        kit.Submit(r, fragments[1], FragmentKit.T0.AddSeconds(10));
        Assert.Equal(2, r.Count);
        Assert.Equal(FragmentStatus.Kept, kit.Submit(r, fragments[2], FragmentKit.T0.AddSeconds(31)));
        Assert.Equal(1, r.Count);
    }

    [Fact]
    public void Garbage_content_under_a_valid_icv_is_malformed_inner_payloads()
    {
        using var kit = new FragmentKit();
        byte[] garbage = [0, 0, 0, 200, 1, 2, 3];
        int body = kit.Suite.GetBodyLength(garbage.Length);
        var m = new IkeMessage(FragmentKit.Header(), [new EncryptedFragmentPayload(PayloadType.Notify, 1, 1, new byte[body])]);
        byte[] datagram = m.Encode();
        Assert.True(kit.Sender.TrySeal(datagram, datagram.Length - body, garbage, out _));
        var r = new FragmentReassembler();
        Assert.Equal(FragmentStatus.Rejected, kit.Submit(r, datagram, out _, out FragmentError error));
        Assert.Equal(FragmentError.MalformedInnerPayloads, error);
        Assert.Equal(0, r.Count);
    }

    [Fact]
    public void A_message_with_sk_instead_of_skf_is_not_a_fragment()
    {
        using var kit = new FragmentKit();
        Assert.True(IkeMessageProtection.TryProtect(kit.Sender, FragmentKit.Header(), s_inner, out byte[] datagram, out _));
        Assert.True(IkeMessage.TryDecode(datagram, out IkeMessage m, out _));
        Assert.False(FragmentReassembler.IsFragment(m));
        Assert.Equal(FragmentStatus.Rejected, new FragmentReassembler().Submit(kit.Receiver, datagram, m, FragmentKit.T0, out _, out FragmentError error));
        Assert.Equal(FragmentError.NotFragment, error);
    }
}
