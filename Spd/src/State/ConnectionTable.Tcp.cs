using IpsecFw.Spd.Packets;

namespace IpsecFw.Spd.State;

// The TCP state machine, after Linux nf_conntrack_proto_tcp.c (tcp_conntracks[][]), without its sequence-number window
// tracking (Rooij, "Real stateful TCP packet filtering in IP Filter"): a middlebox view of RFC 9293 3.3.2.
//
//   packet \ state      SynSent   SynSent2  SynRecv   Estab     FinWait   CloseWait LastAck   TimeWait  Close
//   SYN, original       SynSent   SynSent2  invalid   invalid   invalid   invalid   invalid   SynSent*  SynSent*
//   SYN, reply          SynSent2  SynSent2  invalid   invalid   invalid   invalid   invalid   invalid   invalid
//   SYN+ACK, reply      SynRecv   SynRecv   SynRecv   Estab     invalid   invalid   invalid   invalid   invalid
//   SYN+ACK, original   invalid   SynRecv   SynRecv   invalid   invalid   invalid   invalid   invalid   invalid
//   FIN                 invalid   invalid   FinWait   FinWait   (1)       (1)       LastAck   TimeWait  invalid
//   ACK                 invalid   invalid   Estab     Estab     (2)       CloseWait TimeWait  TimeWait  invalid
//   RST                 Close     Close     Close     Close     Close     Close     Close     Close     Close
//   no SYN/ACK/FIN/RST  invalid everywhere (a "null scan")
//
//   * a new connection on the same ports reuses the entry (as Linux does from TIME_WAIT and CLOSE).
//   (1) a FIN from the side that already sent one: no change; from the other side: LastAck (both have closed).
//   (2) an ACK from the side that did not send the FIN acknowledges it: CloseWait; from the FIN's sender: no change.
// A FIN is recorded per direction; a segment with FIN and ACK counts as a FIN.
public sealed partial class ConnectionTable
{
    private static bool TryTcpTransition(ConnectionState state, TcpFlags flags, bool reply, ref byte bits, out ConnectionState next)
    {
        next = state;
        if ((flags & TcpFlags.Rst) != 0)
        {
            next = ConnectionState.TcpClose;
            return true;
        }

        bool syn = (flags & TcpFlags.Syn) != 0, ack = (flags & TcpFlags.Ack) != 0, fin = (flags & TcpFlags.Fin) != 0;
        byte mine = reply ? FinReplyBit : FinOriginalBit;
        byte theirs = reply ? FinOriginalBit : FinReplyBit;
        if (syn && fin)
        {
            return false; // SYN+FIN: never legitimate (an old scanner's trick)
        }

        if (syn && !ack)
        {
            switch (state)
            {
                case ConnectionState.TcpSynSent when !reply:
                case ConnectionState.TcpSynSent2:
                    return true;
                case ConnectionState.TcpSynSent:
                    next = ConnectionState.TcpSynSent2; // simultaneous open: the peer's own SYN
                    return true;
                case ConnectionState.TcpTimeWait or ConnectionState.TcpClose when !reply:
                    next = ConnectionState.TcpSynSent;
                    bits &= unchecked((byte)~(FinOriginalBit | FinReplyBit | RepliedBit));
                    return true;
                default:
                    return false;
            }
        }

        if (syn)
        {
            switch (state)
            {
                case ConnectionState.TcpSynSent when reply:
                case ConnectionState.TcpSynSent2:
                case ConnectionState.TcpSynReceived:
                    next = ConnectionState.TcpSynReceived;
                    return true;
                case ConnectionState.TcpEstablished when reply:
                    return true; // a retransmitted SYN-ACK whose ACK was lost
                default:
                    return false;
            }
        }

        if (fin)
        {
            switch (state)
            {
                case ConnectionState.TcpSynReceived or ConnectionState.TcpEstablished:
                    next = ConnectionState.TcpFinWait;
                    bits |= mine;
                    return true;
                case ConnectionState.TcpFinWait or ConnectionState.TcpCloseWait:
                    if ((bits & theirs) != 0 && (bits & mine) == 0)
                    {
                        next = ConnectionState.TcpLastAck;
                    }

                    bits |= mine;
                    return true;
                case ConnectionState.TcpLastAck or ConnectionState.TcpTimeWait:
                    return true;
                default:
                    return false;
            }
        }

        if (!ack)
        {
            return false;
        }

        switch (state)
        {
            case ConnectionState.TcpSynReceived or ConnectionState.TcpEstablished:
                next = ConnectionState.TcpEstablished;
                return true;
            case ConnectionState.TcpFinWait:
                if ((bits & theirs) != 0)
                {
                    next = ConnectionState.TcpCloseWait; // the peer of the FIN's sender acknowledged it
                }

                return true;
            case ConnectionState.TcpCloseWait:
                return true;
            case ConnectionState.TcpLastAck or ConnectionState.TcpTimeWait:
                next = ConnectionState.TcpTimeWait;
                return true;
            default:
                return false;
        }
    }
}
