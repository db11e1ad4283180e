//! A network to put things in, from generated EC2 types through Cloud Control: a VPC
//! with a public subnet in each of two zones, an internet gateway routed to from both,
//! and a security group that lets HTTPS in.

use formae_aws::ec2;
use formae_macros::stack;

stack! {
    /// A VPC with public subnets in two zones, an internet gateway, a route table and an HTTPS security group.
    pub stack Network = "network" {
        /// The name every resource is tagged with.
        param name: String = "network";
        /// The VPC's address range.
        param cidr: String = "10.20.0.0/16";
        /// The first subnet's zone and range.
        param zone_a: String = "us-east-1a";
        /// The first subnet's range.
        param cidr_a: String = "10.20.0.0/24";
        /// The second subnet's zone.
        param zone_b: String = "us-east-1b";
        /// The second subnet's range.
        param cidr_b: String = "10.20.1.0/24";
        /// Where HTTPS may come from.
        param https_from: String = "0.0.0.0/0";

        /// The network.
        resource vpc = ec2::VPC {
            cidr_block: cidr,
            enable_dns_hostnames: true,
            enable_dns_support: true,
            tags: [ec2::Tag { key: "Name", value: name }],
        };

        /// A public subnet in the first zone.
        resource public_a = ec2::Subnet {
            vpc_id: vpc.vpc_id,
            availability_zone: zone_a,
            cidr_block: cidr_a,
            map_public_ip_on_launch: true,
            tags: [ec2::Tag { key: "Name", value: template!("{name}-public-a") }],
        };

        /// A public subnet in the second zone.
        resource public_b = ec2::Subnet {
            vpc_id: vpc.vpc_id,
            availability_zone: zone_b,
            cidr_block: cidr_b,
            map_public_ip_on_launch: true,
            tags: [ec2::Tag { key: "Name", value: template!("{name}-public-b") }],
        };

        /// The way out to the internet.
        resource gateway = ec2::InternetGateway {
            tags: [ec2::EgressOnlyInternetGatewayTag { key: "Name", value: name }],
        };

        /// The gateway, attached to the VPC.
        resource gateway_attachment = ec2::VPCGatewayAttachment {
            vpc_id: vpc.vpc_id,
            internet_gateway_id: gateway.internet_gateway_id,
        };

        /// The public subnets' routes.
        resource public_routes = ec2::RouteTable {
            vpc_id: vpc.vpc_id,
            tags: [ec2::Tag { key: "Name", value: template!("{name}-public") }],
        };

        /// Everything else goes through the gateway.
        resource default_route = ec2::Route {
            route_table_id: public_routes.route_table_id,
            destination_cidr_block: "0.0.0.0/0",
            gateway_id: gateway.internet_gateway_id,
        } depends_on [gateway_attachment];

        /// The first subnet uses the public routes.
        resource public_a_routes = ec2::SubnetRouteTableAssociation {
            subnet_id: public_a.subnet_id,
            route_table_id: public_routes.route_table_id,
        };

        /// The second subnet uses the public routes.
        resource public_b_routes = ec2::SubnetRouteTableAssociation {
            subnet_id: public_b.subnet_id,
            route_table_id: public_routes.route_table_id,
        };

        /// HTTPS in, everything out.
        resource https = ec2::SecurityGroup {
            group_name: template!("{name}-https"),
            group_description: "HTTPS from the allowed range",
            vpc_id: vpc.vpc_id,
            security_group_ingress: [ec2::Ingress { ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ip: https_from }],
        };

        /// The VPC's id.
        output vpc_id: String = vpc.vpc_id;
        /// The first public subnet's id.
        output subnet_a: String = public_a.subnet_id;
        /// The second public subnet's id.
        output subnet_b: String = public_b.subnet_id;
        /// The HTTPS security group's id.
        output https_group: String = https.group_id;
    }
}
