using IpsecFw.Ike.Auth;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// What the engine dropped or refused before any SA saw it, by reason, the half-open responder SAs and how they ended;
/// for <c>ipsecfw status</c>. Written on the engine's loop, except the counts that the sockets' receive threads move too
/// (<see cref="Received"/>, <see cref="DroppedMalformed"/>, <see cref="CookiesSent"/>: the <see cref="CookieScreen"/>
/// answers there, and <see cref="DroppedQueueFull"/>), which are interlocked; read from any thread (each value is one
/// aligned word).
/// </summary>
public sealed class IkeEngineCounters
{
    private readonly long[] _authFailures = new long[Enum.GetValues<AuthFailure>().Max(f => (int)f) + 1];

    private long _received;
    private long _droppedMalformed;
    private long _cookiesSent;

    /// <summary>Datagrams received (by the engine's loop or answered by the cookie screen).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Too short for an IKE header, not IKEv2, or an IKE_SA_INIT request that does not decode.</summary>
    public long DroppedMalformed => Interlocked.Read(ref _droppedMalformed);

    /// <summary>For an SPI we do not know.</summary>
    public long DroppedUnknownSpi { get; internal set; }

    /// <summary>IKE_SA_INIT refused because the half-open limit was reached.</summary>
    public long DroppedHalfOpenLimit { get; internal set; }

    /// <summary>IKE_SA_INIT dropped unanswered because its source address already held <see cref="IkeEngine.HalfOpenPerSource"/> half-open SAs.</summary>
    public long DroppedPerSourceLimit { get; internal set; }

    /// <summary>IKE_SA_INIT without a valid cookie while cookies were required: answered with a COOKIE (RFC 7296 2.6).</summary>
    public long CookiesSent => Interlocked.Read(ref _cookiesSent);

    /// <summary>IKE_SA_INIT requests refused statelessly (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, invalid).</summary>
    public long InitRefused { get; internal set; }

    private long _droppedQueueFull;

    /// <summary>Datagrams the work queue had no room for (counted by the socket threads, not the loop).</summary>
    public long DroppedQueueFull => Interlocked.Read(ref _droppedQueueFull);

    /// <summary>Responder SAs answered in IKE_SA_INIT whose IKE_AUTH has not completed yet (a gauge, not a count).</summary>
    public int HalfOpen { get; internal set; }

    /// <summary>Source addresses holding at least one half-open responder SA now (a gauge; the size of the per-source table).</summary>
    public int HalfOpenSources { get; internal set; }

    /// <summary>Half-open responder SAs closed because IKE_AUTH did not complete within the half-open timeout.</summary>
    public long HalfOpenExpired { get; internal set; }

    /// <summary>IKE_AUTH requests refused with INVALID_SYNTAX because they break the payload rules (RFC 7296 2.21.2), e.g. more than 8 CERT payloads.</summary>
    public long AuthInvalidSyntax { get; internal set; }

    /// <summary>IKE SAs closed because the peer's authentication failed or the policy refused it, all reasons.</summary>
    public long AuthFailed { get; private set; }

    /// <summary>IKE SAs closed because the peer's authentication failed for <paramref name="reason"/>.</summary>
    public long AuthFailures(AuthFailure reason) =>
        (int)reason > 0 && (int)reason < _authFailures.Length ? Volatile.Read(ref _authFailures[(int)reason]) : 0;

    /// <summary>Counts one received datagram; thread-safe.</summary>
    internal void CountReceived() => Interlocked.Increment(ref _received);

    /// <summary>Counts one malformed datagram; thread-safe.</summary>
    internal void CountMalformed() => Interlocked.Increment(ref _droppedMalformed);

    /// <summary>Counts one COOKIE answer; thread-safe.</summary>
    internal void CountCookieSent() => Interlocked.Increment(ref _cookiesSent);

    /// <summary>Counts one datagram dropped for a full work queue; thread-safe (port 500 and 4500 have a thread each).</summary>
    internal void CountQueueFull() => Interlocked.Increment(ref _droppedQueueFull);

    /// <summary>Counts one refused authentication; <see cref="AuthFailure.None"/> counts nothing.</summary>
    internal void CountAuthFailure(AuthFailure reason)
    {
        if ((int)reason <= 0 || (int)reason >= _authFailures.Length)
        {
            return;
        }

        _authFailures[(int)reason]++;
        AuthFailed++;
    }
}
