/** What tsible knows about a host after one read-only round trip */
export interface Facts {
  os_family: "Debian" | "RedHat" | "unknown";
  /** debian, ubuntu, raspbian, centos, rhel, amzn, ... (lowercase os-release ID) */
  distribution: string;
  distribution_version: string;
  distribution_major_version: string;
  architecture: string;
  pkg_mgr: "apt" | "dnf" | "yum" | "unknown";
  service_mgr: "systemd" | "sysvinit" | "none";
  hostname: string;
  /** user the connection logs in as */
  user_id: string;
}
