using IpsecFw.Ike.Auth;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// What the engine dropped or refused before any SA saw it, by reason, the half-open responder SAs and how they ended;
/// for <c>ipsecfw status</c>. Written on the engine's loop only; read from any thread (each value is one aligned word).
/// </summary>
public sealed class IkeEngineCounters
{
    private readonly long[] _authFailures = new long[Enum.GetValues<AuthFailure>().Max(f => (int)f) + 1];

    /// <summary>Datagrams received.</summary>
    public long Received { get; internal set; }

    /// <summary>Too short for an IKE header, or not IKEv2.</summary>
    public long DroppedMalformed { get; internal set; }

    /// <summary>For an SPI we do not know.</summary>
    public long DroppedUnknownSpi { get; internal set; }

    /// <summary>IKE_SA_INIT refused because the half-open limit was reached.</summary>
    public long DroppedHalfOpenLimit { get; internal set; }

    /// <summary>IKE_SA_INIT without a valid cookie while cookies were required.</summary>
    public long CookiesSent { get; internal set; }

    /// <summary>IKE_SA_INIT requests refused statelessly (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, invalid).</summary>
    public long InitRefused { get; internal set; }

    private long _droppedQueueFull;

    /// <summary>Datagrams the work queue had no room for (counted by the socket threads, not the loop).</summary>
    public long DroppedQueueFull => Interlocked.Read(ref _droppedQueueFull);

    /// <summary>Responder SAs answered in IKE_SA_INIT whose IKE_AUTH has not completed yet (a gauge, not a count).</summary>
    public int HalfOpen { get; internal set; }

    /// <summary>Half-open responder SAs closed because IKE_AUTH did not complete within the half-open timeout.</summary>
    public long HalfOpenExpired { get; internal set; }

    /// <summary>IKE_AUTH requests refused with INVALID_SYNTAX because they break the payload rules (RFC 7296 2.21.2), e.g. more than 8 CERT payloads.</summary>
    public long AuthInvalidSyntax { get; internal set; }

    /// <summary>IKE SAs closed because the peer's authentication failed or the policy refused it, all reasons.</summary>
    public long AuthFailed { get; private set; }

    /// <summary>IKE SAs closed because the peer's authentication failed for <paramref name="reason"/>.</summary>
    public long AuthFailures(AuthFailure reason) =>
        (int)reason > 0 && (int)reason < _authFailures.Length ? Volatile.Read(ref _authFailures[(int)reason]) : 0;

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
