"""moto adapters for EC2's network: VPC, Subnet, InternetGateway, VPCGatewayAttachment,
RouteTable, Route, SubnetRouteTableAssociation and SecurityGroup."""

from cloudcontrol_store import HandlerError, already_exists
from moto_common import Adapter, backend, generated_name, tags_dict, tags_list


# ------------------------------------------------------------------ EC2

def ec2():
    return backend("ec2")


def ec2_tags(resource_id):
    return [{"Key": t["key"], "Value": t["value"]} for t in ec2().describe_tags(filters={"resource-id": [resource_id]})]


def ec2_retag(resource_id, old, new):
    before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
    if before != after:
        gone = {k: None for k in before if k not in after}
        if gone:
            ec2().delete_tags([resource_id], gone)
        if after:
            ec2().create_tags([resource_id], after)


class EC2VPC(Adapter):
    owned = ("VpcId", "CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup",
             "EnableDnsHostnames", "EnableDnsSupport", "InstanceTenancy", "Ipv6CidrBlocks", "Tags")

    def _create(self, ti, model):
        if "CidrBlock" not in model:
            raise HandlerError("InvalidRequest", "CidrBlock is required (IPAM pools are not modelled by the sandbox)")
        vpc = ec2().create_vpc(cidr_block=model["CidrBlock"], instance_tenancy=model.get("InstanceTenancy", "default"),
                               tags=None)
        self._apply(vpc.id, {}, model)
        return vpc.id

    def _apply(self, vpc_id, old, new):
        for prop, attr in (("EnableDnsSupport", "enable_dns_support"), ("EnableDnsHostnames", "enable_dns_hostnames")):
            if prop in new:
                ec2().modify_vpc_attribute(vpc_id, attr, bool(new[prop]))
        ec2_retag(vpc_id, old, new)

    def _read(self, ti, ident):
        vpc = ec2().vpcs.get(ident)
        if vpc is None:
            return None
        out = {"VpcId": vpc.id, "CidrBlock": vpc.cidr_block, "InstanceTenancy": vpc.instance_tenancy,
               "EnableDnsSupport": str(vpc.enable_dns_support).lower() == "true",
               "EnableDnsHostnames": str(vpc.enable_dns_hostnames).lower() == "true",
               "CidrBlockAssociations": [a["association_id"] for a in vpc.cidr_block_association_set.values()
                                         if "." in a.get("cidr_block", "")] if isinstance(vpc.cidr_block_association_set, dict) else [],
               "Ipv6CidrBlocks": []}
        try:
            out["DefaultSecurityGroup"] = ec2().get_security_group_from_name("default", vpc_id=vpc.id).id
        except Exception:
            pass
        acl = next((a.id for a in ec2().network_acls.values() if a.vpc_id == vpc.id and a.default), None)
        if acl:
            out["DefaultNetworkAcl"] = acl
        tags = ec2_tags(vpc.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        if new.get("InstanceTenancy") and new.get("InstanceTenancy") != old.get("InstanceTenancy"):
            ec2().modify_vpc_tenancy(ident, new["InstanceTenancy"])
        self._apply(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_vpc(ident)

    def _list(self, ti):
        return list(ec2().vpcs)


class EC2Subnet(Adapter):
    owned = ("SubnetId", "VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "MapPublicIpOnLaunch",
             "AssignIpv6AddressOnCreation", "Ipv6CidrBlocks", "NetworkAclAssociationId", "Tags")

    def _create(self, ti, model):
        if "CidrBlock" not in model:
            raise HandlerError("InvalidRequest", "CidrBlock is required (IPAM pools are not modelled by the sandbox)")
        subnet = ec2().create_subnet(vpc_id=model["VpcId"], cidr_block=model["CidrBlock"],
                                     availability_zone=model.get("AvailabilityZone"),
                                     availability_zone_id=model.get("AvailabilityZoneId"))
        self._apply(subnet.id, {}, model)
        return subnet.id

    def _apply(self, subnet_id, old, new):
        for prop, attr in (("MapPublicIpOnLaunch", "map_public_ip_on_launch"),
                           ("AssignIpv6AddressOnCreation", "assign_ipv6_address_on_creation")):
            if prop in new or prop in old:
                ec2().modify_subnet_attribute(subnet_id, attr, bool(new.get(prop, False)))
        ec2_retag(subnet_id, old, new)

    def _subnet(self, ident):
        for zone in ec2().subnets.values():
            if ident in zone:
                return zone[ident]
        return None

    def _read(self, ti, ident):
        s = self._subnet(ident)
        if s is None:
            return None
        out = {"SubnetId": s.id, "VpcId": s.vpc_id, "CidrBlock": s.cidr_block,
               "AvailabilityZone": s.availability_zone, "AvailabilityZoneId": s.availability_zone_id,
               "MapPublicIpOnLaunch": str(s.map_public_ip_on_launch).lower() == "true",
               "AssignIpv6AddressOnCreation": str(s.assign_ipv6_address_on_creation).lower() == "true",
               "Ipv6CidrBlocks": []}
        acl = next((aid for a in ec2().network_acls.values() for aid, assoc in a._associations.items()
                    if getattr(assoc, "subnet_id", None) == s.id), None)
        if acl:
            out["NetworkAclAssociationId"] = acl
        tags = ec2_tags(s.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        self._apply(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_subnet(ident)

    def _list(self, ti):
        return [sid for zone in ec2().subnets.values() for sid in zone]


class EC2InternetGateway(Adapter):
    owned = ("InternetGatewayId", "Tags")

    def _create(self, ti, model):
        igw = ec2().create_internet_gateway(tags=tags_list(tags_dict(model.get("Tags"))) or None)
        return igw.id

    def _read(self, ti, ident):
        igw = ec2().internet_gateways.get(ident)
        if igw is None:
            return None
        out = {"InternetGatewayId": igw.id}
        tags = ec2_tags(igw.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        ec2_retag(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_internet_gateway(ident)

    def _list(self, ti):
        return list(ec2().internet_gateways)


class EC2VPCGatewayAttachment(Adapter):
    """Identifier AttachmentType|VpcId, AttachmentType `igw` or `vgw` (the schema's
    description of the read-only property)."""
    owned = ("AttachmentType", "VpcId", "InternetGatewayId", "VpnGatewayId")

    def _create(self, ti, model):
        vpc = model["VpcId"]
        if model.get("InternetGatewayId"):
            ec2().attach_internet_gateway(internet_gateway_id=model["InternetGatewayId"], vpc_id=vpc)
            return f"igw|{vpc}"
        if model.get("VpnGatewayId"):
            ec2().attach_vpn_gateway(vpc_id=vpc, vpn_gateway_id=model["VpnGatewayId"])
            return f"vgw|{vpc}"
        raise HandlerError("InvalidRequest", "One of InternetGatewayId and VpnGatewayId is required")

    def _read(self, ti, ident):
        kind, _, vpc = ident.partition("|")
        if kind == "igw":
            for igw in ec2().internet_gateways.values():
                if igw.vpc is not None and igw.vpc.id == vpc:
                    return {"AttachmentType": "igw", "VpcId": vpc, "InternetGatewayId": igw.id}
        if kind == "vgw":
            for vgw in ec2().vpn_gateways.values():
                if vpc in getattr(vgw, "attachments", {}) and vgw.attachments[vpc].state == "attached":
                    return {"AttachmentType": "vgw", "VpcId": vpc, "VpnGatewayId": vgw.id}
        return None

    def _update(self, ti, ident, old, new):
        self._delete(ti, ident)
        self._create(ti, new)

    def _delete(self, ti, ident):
        found = self._read(ti, ident)
        if found.get("InternetGatewayId"):
            ec2().detach_internet_gateway(internet_gateway_id=found["InternetGatewayId"], vpc_id=found["VpcId"])
        else:
            ec2().detach_vpn_gateway(vpn_gateway_id=found["VpnGatewayId"], vpc_id=found["VpcId"])

    def _list(self, ti):
        out = [f"igw|{igw.vpc.id}" for igw in ec2().internet_gateways.values() if igw.vpc is not None]
        for vgw in ec2().vpn_gateways.values():
            out += [f"vgw|{v}" for v, a in getattr(vgw, "attachments", {}).items() if a.state == "attached"]
        return out


class EC2RouteTable(Adapter):
    owned = ("RouteTableId", "VpcId", "Tags")

    def _create(self, ti, model):
        rt = ec2().create_route_table(vpc_id=model["VpcId"], tags=None)
        ec2_retag(rt.id, {}, model)
        return rt.id

    def _read(self, ti, ident):
        rt = ec2().route_tables.get(ident)
        if rt is None:
            return None
        out = {"RouteTableId": rt.id, "VpcId": rt.vpc_id}
        tags = ec2_tags(rt.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        ec2_retag(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_route_table(ident)

    def _list(self, ti):
        return list(ec2().route_tables)


ROUTE_TARGETS = {  # CloudFormation property -> moto Route attribute (an object with .id)
    "GatewayId": "gateway", "NatGatewayId": "nat_gateway", "TransitGatewayId": "transit_gateway",
    "VpcPeeringConnectionId": "vpc_pcx", "NetworkInterfaceId": "interface", "InstanceId": "instance",
    "EgressOnlyInternetGatewayId": "egress_only_igw",
}


class EC2Route(Adapter):
    """Identifier RouteTableId|CidrBlock, CidrBlock being the destination (IPv4 or IPv6)."""
    owned = ("RouteTableId", "CidrBlock", "DestinationCidrBlock", "DestinationIpv6CidrBlock") + tuple(ROUTE_TARGETS)

    def _create(self, ti, model):
        rt = model["RouteTableId"]
        dest = model.get("DestinationCidrBlock") or model.get("DestinationIpv6CidrBlock")
        if not dest:
            raise HandlerError("InvalidRequest", "DestinationCidrBlock or DestinationIpv6CidrBlock is required "
                               "(prefix lists are not modelled by the sandbox)")
        ident = f"{rt}|{dest}"
        if self._read(ti, ident) is not None:
            raise already_exists(ti, ident)
        ec2().create_route(
            route_table_id=rt, destination_cidr_block=model.get("DestinationCidrBlock"),
            destination_ipv6_cidr_block=model.get("DestinationIpv6CidrBlock"), gateway_id=model.get("GatewayId"),
            instance_id=model.get("InstanceId"), nat_gateway_id=model.get("NatGatewayId"),
            egress_only_igw_id=model.get("EgressOnlyInternetGatewayId"), transit_gateway_id=model.get("TransitGatewayId"),
            interface_id=model.get("NetworkInterfaceId"), vpc_peering_connection_id=model.get("VpcPeeringConnectionId"))
        return ident

    def _read(self, ti, ident):
        rt_id, _, dest = ident.partition("|")
        rt = ec2().route_tables.get(rt_id)
        if rt is None:
            return None
        for route in rt.routes:
            if dest in (route.destination_cidr_block, route.destination_ipv6_cidr_block) and not route.local:
                out = {"RouteTableId": rt_id, "CidrBlock": dest}
                if route.destination_cidr_block:
                    out["DestinationCidrBlock"] = route.destination_cidr_block
                if route.destination_ipv6_cidr_block:
                    out["DestinationIpv6CidrBlock"] = route.destination_ipv6_cidr_block
                for prop, attr in ROUTE_TARGETS.items():
                    target = getattr(route, attr, None)
                    if target is not None:
                        out[prop] = getattr(target, "id", target)
                return out
        return None

    def _update(self, ti, ident, old, new):
        rt_id, _, dest = ident.partition("|")
        ec2().replace_route(
            route_table_id=rt_id, destination_cidr_block=new.get("DestinationCidrBlock"),
            destination_ipv6_cidr_block=new.get("DestinationIpv6CidrBlock"), nat_gateway_id=new.get("NatGatewayId"),
            egress_only_igw_id=new.get("EgressOnlyInternetGatewayId"), transit_gateway_id=new.get("TransitGatewayId"),
            gateway_id=new.get("GatewayId"), instance_id=new.get("InstanceId"), interface_id=new.get("NetworkInterfaceId"),
            vpc_peering_connection_id=new.get("VpcPeeringConnectionId"))

    def _delete(self, ti, ident):
        rt_id, _, dest = ident.partition("|")
        if ":" in dest:
            ec2().delete_route(rt_id, None, destination_ipv6_cidr_block=dest)
        else:
            ec2().delete_route(rt_id, dest)

    def _list(self, ti):
        return [f"{rt.id}|{r.destination_cidr_block or r.destination_ipv6_cidr_block}"
                for rt in ec2().route_tables.values() for r in rt.routes
                if not r.local and (r.destination_cidr_block or r.destination_ipv6_cidr_block)]


class EC2SubnetRouteTableAssociation(Adapter):
    owned = ("Id", "RouteTableId", "SubnetId")

    def _create(self, ti, model):
        for rt in ec2().route_tables.values():
            if model["SubnetId"] in rt._associations.values():
                raise HandlerError("AlreadyExists", f"The subnet {model['SubnetId']} is already associated with "
                                   f"route table {rt.id}")
        return ec2().associate_route_table(route_table_id=model["RouteTableId"], subnet_id=model["SubnetId"])

    def _read(self, ti, ident):
        for rt in ec2().route_tables.values():
            if ident in rt._associations:
                return {"Id": ident, "RouteTableId": rt.id, "SubnetId": rt._associations[ident]}
        return None

    def _update(self, ti, ident, old, new):
        raise HandlerError("NotUpdatable", "AWS::EC2::SubnetRouteTableAssociation has no update handler")

    def _delete(self, ti, ident):
        ec2().disassociate_route_table(ident)

    def _list(self, ti):
        return [a for rt in ec2().route_tables.values() for a, target in rt._associations.items()
                if str(target).startswith("subnet-")]


class EC2SecurityGroup(Adapter):
    owned = ("Id", "GroupId", "GroupName", "GroupDescription", "VpcId", "SecurityGroupIngress", "SecurityGroupEgress",
             "Tags")

    def _create(self, ti, model):
        name = model.get("GroupName") or generated_name(ti, "GroupName")[:255]
        model["GroupName"] = name
        vpc = model.get("VpcId") or next((v.id for v in ec2().vpcs.values() if v.is_default), None)
        sg = ec2().create_security_group(name=name, description=model["GroupDescription"], vpc_id=vpc)
        if "SecurityGroupEgress" in model:
            for rule in list(sg.egress_rules):
                sg.egress_rules.remove(rule)
        self._rules(sg, {}, model)
        ec2_retag(sg.id, {}, model)
        return sg.id

    @staticmethod
    def _args(rule):
        protocol = str(rule.get("IpProtocol", "-1"))
        ip_ranges = []
        if rule.get("CidrIp"):
            ip_ranges.append({"CidrIp": rule["CidrIp"], **({"Description": rule["Description"]} if rule.get("Description") else {})})
        if rule.get("CidrIpv6"):
            ip_ranges.append({"CidrIpv6": rule["CidrIpv6"]})
        groups = []
        for key in ("SourceSecurityGroupId", "DestinationSecurityGroupId"):
            if rule.get(key):
                groups.append({"GroupId": rule[key]})
        prefixes = [{"PrefixListId": rule[k]} for k in ("SourcePrefixListId", "DestinationPrefixListId") if rule.get(k)]
        ports = (None, None) if protocol == "-1" else (rule.get("FromPort"), rule.get("ToPort"))
        return dict(ip_protocol=protocol, from_port=ports[0], to_port=ports[1], ip_ranges=ip_ranges,
                    source_groups=groups, prefix_list_ids=prefixes)

    def _rules(self, sg, old, new):
        for key, auth, revoke in (("SecurityGroupIngress", ec2().authorize_security_group_ingress,
                                   ec2().revoke_security_group_ingress),
                                  ("SecurityGroupEgress", ec2().authorize_security_group_egress,
                                   ec2().revoke_security_group_egress)):
            before, after = old.get(key, []), new.get(key, [])
            if before == after:
                continue
            for rule in before:
                if rule not in after:
                    try:
                        revoke(group_name_or_id=sg.id, vpc_id=sg.vpc_id, **self._args(rule))
                    except Exception:
                        pass
            for rule in after:
                if rule not in before:
                    auth(group_name_or_id=sg.id, vpc_id=sg.vpc_id, **self._args(rule))

    @staticmethod
    def _rule_models(rules, egress):
        out = []
        for r in rules:
            base = {"IpProtocol": r.ip_protocol or "-1"}
            if r.from_port is not None:
                base["FromPort"], base["ToPort"] = int(r.from_port), int(r.to_port)
            if r.ip_range:
                rng = dict(r.ip_range)
                if "CidrIp" in rng:
                    base["CidrIp"] = rng["CidrIp"]
                if "CidrIpv6" in rng:
                    base["CidrIpv6"] = rng["CidrIpv6"]
                if rng.get("Description"):
                    base["Description"] = rng["Description"]
            if r.source_group:
                base["DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"] = r.source_group.get("GroupId")
            if r.prefix_list_id:
                base["DestinationPrefixListId" if egress else "SourcePrefixListId"] = r.prefix_list_id
            out.append(base)
        return out

    def _read(self, ti, ident):
        sg = ec2().get_security_group_from_id(ident)
        if sg is None:
            return None
        out = {"Id": sg.id, "GroupId": sg.id, "GroupName": sg.name, "GroupDescription": sg.description,
               "VpcId": sg.vpc_id}
        ingress = self._rule_models(sg.ingress_rules, False)
        egress = self._rule_models(sg.egress_rules, True)
        if ingress:
            out["SecurityGroupIngress"] = ingress
        if egress:
            out["SecurityGroupEgress"] = egress
        tags = ec2_tags(sg.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        sg = ec2().get_security_group_from_id(ident)
        live = self._read(ti, ident)
        self._rules(sg, {k: live.get(k, []) for k in ("SecurityGroupIngress", "SecurityGroupEgress")},
                    {k: new.get(k, []) for k in ("SecurityGroupIngress", "SecurityGroupEgress")})
        ec2_retag(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_security_group(group_id=ident)

    def _list(self, ti):
        return [sg.id for groups in ec2().groups.values() for sg in groups.values()]
