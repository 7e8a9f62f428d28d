namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>A CHILD_SA configuration (<c>connections.&lt;conn&gt;.children.&lt;name&gt;</c> in swanctl.conf).</summary>
/// <param name="Name">The child's name (what <c>swanctl --initiate --child</c> takes).</param>
/// <param name="LocalTs">Local traffic selectors (<c>local_ts</c>), comma separated.</param>
/// <param name="RemoteTs">Remote traffic selectors (<c>remote_ts</c>).</param>
public sealed record SwanctlChild(string Name, string LocalTs, string RemoteTs)
{
    /// <summary>
    /// <c>esp_proposals</c>; the default is AES-GCM-256 without ESN. kernel-libipsec cannot do ESN: a proposal that lets
    /// the responder pick ESN (<c>-esn-noesn</c> picks EXT_SEQ) is accepted in IKE, then the install fails
    /// ("IPsec SA: ESN not supported") and the responder answers NO_PROPOSAL_CHOSEN. Offer <c>-noesn-esn</c> at most.
    /// </summary>
    public string EspProposals { get; init; } = "aes256gcm16";

    /// <summary><c>mode</c>: tunnel or transport.</summary>
    public string Mode { get; init; } = "tunnel";

    /// <summary><c>rekey_time</c>, e.g. <c>1h</c>, <c>20s</c>; null for strongSwan's default.</summary>
    public string? RekeyTime { get; init; }

    /// <summary><c>life_time</c>; null for strongSwan's default (rekey_time + 10%).</summary>
    public string? LifeTime { get; init; }

    /// <summary><c>rand_time</c>: the random jitter subtracted from rekey_time; <c>0s</c> for a deterministic rekey.</summary>
    public string? RandTime { get; init; }

    /// <summary><c>start_action</c>: none, trap or start.</summary>
    public string StartAction { get; init; } = "none";

    /// <summary><c>dpd_action</c>: clear, trap, restart or none.</summary>
    public string? DpdAction { get; init; }

    /// <summary>Any other child setting, written as <c>key = value</c>.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    internal void Render(SwanctlWriter w)
    {
        w.Open(Name);
        w.Value("mode", Mode);
        w.Value("local_ts", LocalTs);
        w.Value("remote_ts", RemoteTs);
        w.Value("esp_proposals", EspProposals);
        w.Value("rekey_time", RekeyTime);
        w.Value("life_time", LifeTime);
        w.Value("rand_time", RandTime);
        w.Value("start_action", StartAction);
        w.Value("dpd_action", DpdAction);
        foreach (KeyValuePair<string, string> kv in Extra)
        {
            w.Value(kv.Key, kv.Value);
        }

        w.Close();
    }
}
