using System.Buffers.Binary;
using System.Net;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Ike.Tests.Sa;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Ike.Tests.Engine;

/// <summary>
/// The receive-thread half of RFC 7296 2.6 (<see cref="CookieScreen"/>): answers from the raw datagram that the codec
/// reads as the COOKIE response, the cookie only honoured as the first payload and only for its initiator, broken
/// chains dropped, everything else forwarded, nothing allocated.
/// </summary>
public sealed class CookieScreenTests
{
    private static readonly byte[] s_from = [198, 18, 64, 7];

    [Fact]
    public void An_init_request_without_a_cookie_is_answered_with_a_cookie_response_the_codec_reads()
    {
        using var guard = new CookieGuard(TimeProvider.System, 0);
        var screen = new CookieScreen(guard);
        byte[] request = InitRequest(out ulong spi, out byte[] nonce);
        byte[] response = new byte[CookieScreen.ResponseLength];

        Assert.Equal(CookieScreenResult.Answer, screen.Screen(request, s_from, response));

        Assert.True(IkeMessage.TryDecode(response, out IkeMessage answer, out IkeDecodeFailure failure), failure.ToString());
        Assert.True(answer.Header.IsResponse);
        Assert.False(answer.Header.IsFromInitiator);
        Assert.Equal(ExchangeType.IkeSaInit, answer.Header.ExchangeType);
        Assert.Equal(spi, answer.Header.InitiatorSpi);
        Assert.Equal(0ul, answer.Header.ResponderSpi);
        NotifyPayload cookie = Assert.IsType<NotifyPayload>(Assert.Single(answer.Payloads));
        Assert.Equal(NotifyType.Cookie, cookie.NotifyType);
        Assert.Equal(CookieGuard.CookieLength, cookie.Data.Length);
        Assert.True(guard.Verify(cookie.Data, nonce, new IPAddress(s_from), spi));
    }

    [Fact]
    public void The_request_repeated_with_its_cookie_first_is_forwarded_and_a_wrong_or_misplaced_cookie_is_answered_again()
    {
        using var guard = new CookieGuard(TimeProvider.System, 0);
        var screen = new CookieScreen(guard);
        byte[] request = InitRequest(out ulong spi, out byte[] nonce);
        byte[] cookie = guard.Make(nonce, new IPAddress(s_from), spi);
        byte[] response = new byte[CookieScreen.ResponseLength];

        Assert.Equal(CookieScreenResult.Forward, screen.Screen(WithNotify(request, cookie, first: true), s_from, response));
        // From another address, the same cookie is not this initiator's (RFC 7296 2.6: the hash covers IPi).
        Assert.Equal(CookieScreenResult.Answer, screen.Screen(WithNotify(request, cookie, first: true), [198, 18, 64, 8], response));
        // Not the first payload: not a cookie.
        Assert.Equal(CookieScreenResult.Answer, screen.Screen(WithNotify(request, cookie, first: false), s_from, response));
        byte[] forged = (byte[])cookie.Clone();
        forged[^1] ^= 1;
        Assert.Equal(CookieScreenResult.Answer, screen.Screen(WithNotify(request, forged, first: true), s_from, response));
    }

    [Fact]
    public void Datagrams_that_are_not_new_init_requests_are_forwarded()
    {
        using var guard = new CookieGuard(TimeProvider.System, 0);
        var screen = new CookieScreen(guard);
        byte[] response = new byte[CookieScreen.ResponseLength];
        byte[] request = InitRequest(out _, out _);
        Assert.Equal(CookieScreenResult.Forward, screen.Screen(request.AsSpan(0, 27), s_from, response));
        Assert.Equal(CookieScreenResult.Forward, screen.Screen(Patched(request, r => r[IkeHeader.FlagsOffset] = 0x20), s_from, response));
        Assert.Equal(CookieScreenResult.Forward, screen.Screen(Patched(request, r => r[IkeHeader.ExchangeTypeOffset] = (byte)ExchangeType.IkeAuth), s_from, response));
        Assert.Equal(CookieScreenResult.Forward, screen.Screen(Patched(request, r => r[IkeHeader.ResponderSpiOffset] = 1), s_from, response));
        Assert.Equal(CookieScreenResult.Forward, screen.Screen(Patched(request, r => r[IkeHeader.VersionOffset] = 0x10), s_from, response));
        Assert.Equal(CookieScreenResult.Forward, screen.Screen(request.AsSpan(0, request.Length - 1), s_from, response));
    }

    [Fact]
    public void Init_requests_with_a_broken_payload_chain_or_no_valid_nonce_are_malformed()
    {
        using var guard = new CookieGuard(TimeProvider.System, 0);
        var screen = new CookieScreen(guard);
        byte[] response = new byte[CookieScreen.ResponseLength];
        byte[] request = InitRequest(out _, out _);
        // The first payload's length: below the generic header, and past the end.
        Assert.Equal(CookieScreenResult.Malformed, screen.Screen(Patched(request, r => BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(IkeHeader.Size + 2), 3)), s_from, response));
        Assert.Equal(CookieScreenResult.Malformed, screen.Screen(Patched(request, r => BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(IkeHeader.Size + 2), 60_000)), s_from, response));
        // The chain ends (Next Payload 0) before the message does.
        Assert.Equal(CookieScreenResult.Malformed, screen.Screen(Patched(request, r => r[IkeHeader.Size] = 0), s_from, response));

        var header = new IkeHeader(9, 0, PayloadType.None, 2, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Initiator, 0, 0);
        byte[] noNonce = new IkeMessage(header, [new NotifyPayload(NotifyType.Ikev2FragmentationSupported)]).Encode();
        Assert.Equal(CookieScreenResult.Malformed, screen.Screen(noNonce, s_from, response));
        byte[] shortNonce = InitRequest(out _, out byte[] nonce);
        int at = shortNonce.AsSpan().IndexOf(nonce);
        // A Nonce payload whose length says 8 bytes of nonce, followed by a payload header covering the rest: still a valid chain.
        byte after = shortNonce[at - 4];
        BinaryPrimitives.WriteUInt16BigEndian(shortNonce.AsSpan(at - 2), 4 + 8);
        shortNonce[at - 4] = (byte)PayloadType.VendorId;
        BinaryPrimitives.WriteUInt16BigEndian(shortNonce.AsSpan(at + 8 + 2), (ushort)(nonce.Length - 8));
        shortNonce[at + 8] = after;
        Assert.Equal(CookieScreenResult.Malformed, screen.Screen(shortNonce, s_from, response));
    }

    [Fact]
    public void Screening_allocates_nothing()
    {
        using var guard = new CookieGuard(TimeProvider.System, 0);
        var screen = new CookieScreen(guard);
        byte[] request = InitRequest(out ulong spi, out byte[] nonce);
        byte[] repeated = WithNotify(request, guard.Make(nonce, new IPAddress(s_from), spi), first: true);
        byte[] response = new byte[CookieScreen.ResponseLength];
        for (int i = 0; i < 100; i++)
        {
            screen.Screen(request, s_from, response);
            screen.Screen(repeated, s_from, response);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            screen.Screen(request, s_from, response);
            screen.Screen(repeated, s_from, response);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_engine_screens_only_while_cookies_are_required_and_counts_what_it_answers()
    {
        var link = new EngineLink();
        using var quiet = new IkeEngine(link.TransportFor(IPAddress.Loopback), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"));
        using var flooded = new IkeEngine(link.TransportFor(IPAddress.Loopback), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"), cookieThreshold: 0);
        using var initiatorOnly = new IkeEngine(link.TransportFor(IPAddress.Loopback), new ConfiguredSelectorPolicy(), new CountingSink(), null, cookieThreshold: 0);
        byte[] request = InitRequest(out _, out _);
        byte[] response = new byte[CookieScreen.ResponseLength];

        Assert.Equal(CookieScreenResult.Forward, quiet.Screen(request, s_from, response));
        Assert.Equal(CookieScreenResult.Forward, initiatorOnly.Screen(request, s_from, response));
        Assert.Equal(CookieScreenResult.Answer, flooded.Screen(request, s_from, response));
        Assert.Equal(CookieScreenResult.Malformed, flooded.Screen(Patched(request, r => r[IkeHeader.Size] = 0), s_from, response));
        Assert.Equal(0, quiet.Counters.Received);
        Assert.Equal(2, flooded.Counters.Received);
        Assert.Equal(1, flooded.Counters.CookiesSent);
        Assert.Equal(1, flooded.Counters.DroppedMalformed);
    }

    /// <summary>A real IKE_SA_INIT request of our initiator (HDR, SAi1, KEi, Ni, N...), its SPIi and nonce.</summary>
    internal static byte[] InitRequest(out ulong spi, out byte[] nonce)
    {
        var host = new LoopbackHost(new FakeTimeProvider(), 5, 1);
        IkeSa sa = IkeSa.Initiate(IkePair.Config("bot.example.com", "x"), host, new IPEndPoint(new IPAddress(s_from), 500), new IPEndPoint(IPAddress.Parse("198.18.0.2"), 500));
        byte[] message = host.Outbox.Dequeue().Message;
        sa.Close("test");
        Assert.True(IkeMessage.TryDecode(message, out IkeMessage m, out _));
        spi = m.Header.InitiatorSpi;
        nonce = m.Get<NoncePayload>()!.Data;
        return message;
    }

    private static byte[] WithNotify(byte[] request, byte[] cookie, bool first)
    {
        Assert.True(IkeMessage.TryDecode(request, out IkeMessage m, out _));
        var notify = new NotifyPayload(NotifyType.Cookie, cookie);
        return new IkeMessage(m.Header, first ? [notify, .. m.Payloads] : [.. m.Payloads, notify]).Encode();
    }

    private static byte[] Patched(byte[] request, Action<byte[]> patch)
    {
        byte[] copy = (byte[])request.Clone();
        patch(copy);
        return copy;
    }
}
