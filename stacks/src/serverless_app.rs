//! A queue worker on Lambda, built from the generated types (`formae-aws`) and deployed
//! through Cloud Control: uploads land in a bucket, jobs wait in a queue with a
//! dead-letter queue behind it, and a function with its own role and log group works
//! them off.

use formae_aws::{iam, lambda, logs, s3, sqs};
use formae_macros::stack;

stack! {
    /// A queue worker on Lambda: a bucket, a queue with a dead-letter queue, and the function that drains it.
    pub stack ServerlessApp = "serverless-app" {
        /// The prefix of every name.
        param prefix: String = "serverless-app";
        /// Days the worker's logs are kept.
        param log_retention_days: i64 = 14;
        /// How many messages the worker takes at once.
        param batch_size: i64 = 10;

        /// Where uploads land.
        resource uploads = s3::Bucket {
            bucket_name: template!("{prefix}-uploads"),
            versioning_configuration: s3::VersioningConfiguration { status: s3::VersioningConfigurationStatus::Enabled },
        };

        /// Jobs the worker failed five times.
        resource dead_letters = sqs::Queue {
            queue_name: template!("{prefix}-dead-letters"),
            message_retention_period: 1209600,
        };

        /// Jobs for the worker.
        resource jobs = sqs::Queue {
            queue_name: template!("{prefix}-jobs"),
            visibility_timeout: 60,
            redrive_policy: json!({ "deadLetterTargetArn": dead_letters.arn, "maxReceiveCount": 5 }),
        };

        /// The worker's logs.
        resource worker_logs = logs::LogGroup {
            log_group_name: template!("/aws/lambda/{prefix}-worker"),
            retention_in_days: log_retention_days,
        };

        /// What the worker may do: read its queue, write its logs, read uploads.
        resource worker_role = iam::Role {
            role_name: template!("{prefix}-worker"),
            assume_role_policy_document: json!({
                "Version": "2012-10-17",
                "Statement": [{ "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" }],
            }),
            policies: [iam::RolePolicy2 {
                policy_name: "worker",
                policy_document: json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        { "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": jobs.arn },
                        { "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": worker_logs.arn },
                        { "Effect": "Allow", "Action": "s3:GetObject", "Resource": template!("{uploads.arn}/*") },
                    ],
                }),
            }],
        };

        /// The worker: counts the records it is given.
        resource worker = lambda::Function {
            function_name: template!("{prefix}-worker"),
            runtime: lambda::FunctionRuntime::Python312,
            handler: "index.handler",
            role: worker_role.arn,
            code: lambda::Code { zip_file: "def handler(event, context):\n    return {'records': len(event.get('Records', []))}\n" },
            timeout: 30,
            logging_config: lambda::FunctionLoggingConfig { log_group: worker_logs.log_group_name },
        };

        /// Feeds the queue to the worker.
        resource trigger = lambda::EventSourceMapping {
            function_name: worker.arn,
            event_source_arn: jobs.arn,
            batch_size: batch_size,
        };

        /// Where to send jobs.
        output jobs_url: String = jobs.queue_url;
        /// Where to put uploads.
        output uploads_bucket: String = uploads.bucket_name;
        /// The worker's ARN.
        output worker_arn: String = worker.arn;
    }
}
