package dev.smolvm.doctor;

import dev.smolvm.SmolvmException;
import dev.smolvm.doctor.Doctor.Check;
import dev.smolvm.doctor.Doctor.Level;
import dev.smolvm.host.Ksm;

import java.util.Locale;

/** The doctor's "ksm" check: whether sandboxes restored from one snapshot can share their identical pages. */
final class KsmCheck {
    static final String NAME = "ksm";

    private KsmCheck() {
    }

    static Check of(Ksm ksm) {
        if (!ksm.available()) {
            return new Check(NAME, Level.WARN, "this kernel has no KSM (" + ksm.root() + " is missing), so "
                    + "sandboxes cannot share identical memory pages", "a host kernel built with CONFIG_KSM");
        }
        Ksm.Status status;
        try {
            status = ksm.status();
        } catch (SmolvmException e) {
            return new Check(NAME, Level.WARN, e.getMessage(), null);
        }
        Ksm.Settings s = status.settings();
        String rate = s.pagesToScan() + " pages every " + s.sleepMillisecs() + " ms";
        if (s.running()) {
            return new Check(NAME, Level.PASS, String.format(Locale.ROOT, "running (%s); it saves %.1f MiB now "
                    + "by sharing identical pages", rate, status.sharingMib()), null);
        }
        return new Check(NAME, Level.WARN, "off (run=" + s.run() + ", " + rate + " when on): sandboxes restored "
                + "from one snapshot keep separate copies of their identical pages",
                "run 'smolvm setup --ksm' (as root) to turn it on: the kernel's ksmd then merges identical guest "
                        + "pages into one copy, for a few percent of one core while it scans (setup measures it); "
                        + "see docs/security.md for its side-channel trade-off");
    }
}
